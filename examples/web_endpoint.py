from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from ai_infra_executor import ExecutorStreamConfig, StreamingExecutor
from ai_infra_executor.demo import bundled_roadmap
from ai_infra_executor.demo.graph import build_demo_graph, initial_state
from ai_infra_formatters import AgUiEncoder, VercelAiEncoder, sse_stream

ENCODERS = {"ag-ui": AgUiEncoder, "vercel-ai": VercelAiEncoder}


async def run(request: Request) -> StreamingResponse:
    encoder = ENCODERS[request.query_params.get("protocol", "ag-ui")]()
    streaming = ExecutorStreamConfig(stream_tokens=True)  # the agent's text too
    executor = StreamingExecutor(build_demo_graph(), streaming_config=streaming, subgraphs=True)
    state, config = initial_state(bundled_roadmap()), {"configurable": {"thread_id": "web"}}
    events = executor.astream_events(state, config)
    return StreamingResponse(sse_stream(events, encoder), headers=encoder.headers)


app = Starlette(routes=[Route("/run", run)])
