"""A fake chat model that streams the way real providers do (imported as ``provider_models``).

:class:`ProviderLikeChatModel` answers with canned ``AIMessage``s, no network,
and streams each one as providers do:

* text in word chunks;
* tool calls in partial chunks: the first chunk of a call carries its name and id,
  the later ones only pieces of the JSON arguments (``id=None``);
* ``usage_metadata`` (input / output tokens) on the last chunk, with the model
  name in ``response_metadata``;
* reasoning, when the canned message has some, before the text in one of two
  shapes: ``additional_kwargs["reasoning_content"]`` (DeepSeek, Ollama, vLLM) or
  an OpenAI Responses ``{"type": "reasoning", "summary": [...]}`` content block.

It binds tools (``bind_tools`` returns the model itself), so LangChain's
``create_agent``, ``create_react_agent``, ``langgraph-supervisor`` and
``langgraph-swarm`` accept it. Every test that needs a streaming model uses this
one.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator, Sequence
from itertools import cycle
from typing import Any, Literal

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk

__all__ = ["ProviderLikeChatModel", "answer", "call"]

_WORDS = re.compile(r"(\s)")
ReasoningShape = Literal["reasoning_content", "responses"]


def call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    """A tool call for :func:`answer`."""
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def answer(
    text: str = "",
    *calls: dict[str, Any],
    reasoning: str = "",
) -> AIMessage:
    """A canned answer: *text*, then *calls*; *reasoning* streams first when given."""
    message = AIMessage(content=text, tool_calls=list(calls))
    if reasoning:
        message.additional_kwargs["canned_reasoning"] = reasoning
    return message


class ProviderLikeChatModel(GenericFakeChatModel):  # type: ignore[misc,unused-ignore]
    """A canned chat model that streams like a provider (see the module documentation).

    Args:
        messages: an iterator of answers, one per call (:func:`answer`); ``repeat``
            builds a cycling one.
        reasoning_shape: how reasoning is streamed.
        model_name: reported in ``response_metadata`` with the usage.
        input_tokens: reported with the usage of every answer.
    """

    reasoning_shape: ReasoningShape = "reasoning_content"
    model_name: str = "fake-provider-1"
    input_tokens: int = 42

    @classmethod
    def repeat(cls, answers: Sequence[AIMessage], **options: Any) -> ProviderLikeChatModel:
        """A model that gives *answers* in order, again and again."""
        return cls(messages=cycle(answers), **options)

    def bind_tools(self, tools: Any, **kwargs: Any) -> ProviderLikeChatModel:
        return self

    def _chunks(self) -> list[AIMessageChunk]:
        message = next(self.messages)
        if isinstance(message, str):
            message = AIMessage(content=message)
        chunks: list[AIMessageChunk] = []
        reasoning = message.additional_kwargs.get("canned_reasoning", "")
        for word in _WORDS.split(reasoning):
            if not word:
                continue
            if self.reasoning_shape == "reasoning_content":
                chunks.append(
                    AIMessageChunk(content="", additional_kwargs={"reasoning_content": word})
                )
            else:
                block = {
                    "type": "reasoning",
                    "id": "rs_1",
                    "summary": [{"type": "summary_text", "text": word, "index": 0}],
                    "index": 0,
                }
                chunks.append(AIMessageChunk(content=[block]))
        text = message.content if isinstance(message.content, str) else ""
        chunks += [AIMessageChunk(content=word) for word in _WORDS.split(text) if word]
        for index, tool_call in enumerate(message.tool_calls):
            arguments = json.dumps(tool_call["args"])
            cut = max(len(arguments) // 2, 1)
            chunks.append(
                AIMessageChunk(
                    content="",
                    tool_call_chunks=[
                        tool_call_chunk(
                            name=tool_call["name"],
                            args=arguments[:cut],
                            id=tool_call["id"],
                            index=index,
                        )
                    ],
                )
            )
            chunks.append(
                AIMessageChunk(
                    content="",
                    tool_call_chunks=[
                        tool_call_chunk(name=None, args=arguments[cut:], id=None, index=index)
                    ],
                )
            )
        output_tokens = max(len(text.split()) + len(message.tool_calls), 1)
        chunks.append(
            AIMessageChunk(
                content="",
                usage_metadata={
                    "input_tokens": self.input_tokens,
                    "output_tokens": output_tokens,
                    "total_tokens": self.input_tokens + output_tokens,
                },
                response_metadata={"model_name": self.model_name, "finish_reason": "stop"},
                chunk_position="last",
            )
        )
        return chunks

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for piece in self._chunks():
            chunk = ChatGenerationChunk(message=piece)
            if run_manager is not None:
                run_manager.on_llm_new_token(
                    piece.content if isinstance(piece.content, str) else "", chunk=chunk
                )
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for piece in self._chunks():
            chunk = ChatGenerationChunk(message=piece)
            if run_manager is not None:
                await run_manager.on_llm_new_token(
                    piece.content if isinstance(piece.content, str) else "", chunk=chunk
                )
            yield chunk
