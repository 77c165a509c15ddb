// Validate a Vercel AI SDK UI message stream with the `ai` package's own parser.
//
// Reads SSE text on stdin (several streams separated by NUL characters), parses
// each with parseJsonEventStream and uiMessageChunkSchema (the schema useChat
// applies), builds its message with readUIMessageStream, and prints a JSON array
// of reports on stdout, one a stream:
//   {chunks, invalid, lastType, done, messageId, parts: [{type, state}], errors, errorChunks}
// `invalid` lists the chunks the schema rejects; `errors` what building the message
// reported (an `error` chunk's text is reported there too: `errorChunks` lists those);
// `done` is whether the stream ended with `data: [DONE]`. Exit status 0 unless
// the script itself failed.
import { parseJsonEventStream, readUIMessageStream, uiMessageChunkSchema } from "ai";

const text = await new Promise((resolve, reject) => {
  let data = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (piece) => (data += piece));
  process.stdin.on("end", () => resolve(data));
  process.stdin.on("error", reject);
});

async function validate(text) {
  const bytes = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });

  const invalid = [];
  const errorChunks = [];
  let count = 0;
  let lastType = null;
  const chunks = parseJsonEventStream({ stream: bytes, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream({
      transform(result, controller) {
        count += 1;
        if (!result.success) {
          invalid.push(String(result.error?.message ?? result.error).slice(0, 500));
          return;
        }
        lastType = result.value.type;
        if (lastType === "error") errorChunks.push(result.value.errorText);
        controller.enqueue(result.value);
      },
    }),
  );

  let message = null;
  const errors = [];
  try {
    for await (const snapshot of readUIMessageStream({
      stream: chunks,
      onError: (e) => errors.push(String(e?.message ?? e)),
    })) {
      message = snapshot;
    }
  } catch (e) {
    errors.push(String(e?.message ?? e));
  }

  const parts = (message?.parts ?? []).map((part) => ({
    type: part.type,
    state: part.state ?? null,
    ...(part.type === "text" || part.type === "reasoning" ? { text: part.text } : {}),
    ...(part.toolCallId ? { toolCallId: part.toolCallId } : {}),
  }));
  return {
    chunks: count,
    invalid,
    lastType,
    done: /data: \[DONE\]\n\n$/.test(text),
    messageId: message?.id ?? null,
    parts,
    errors,
    errorChunks,
  };
}

const reports = [];
for (const stream of text.split("\u0000")) {
  reports.push(await validate(stream));
}
process.stdout.write(JSON.stringify(reports));
