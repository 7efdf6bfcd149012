// docker's JSON message stream (pull, push, build, load): one JSON object per line, each a
// status with optional id and progress (the image layer's json progress writes those), a
// build's output (`stream`), or an error. The docker CLI renders them; an `error`/`errorDetail`
// object makes it fail.

export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  error?: string;
  errorDetail?: { message: string; code?: number };
  aux?: unknown;
}

const line = (m: JsonMessage) => `${JSON.stringify(m)}\r\n`;

export const statusMessage = (status: string, id?: string) => line(id ? { status, id } : { status });
export const errorMessage = (message: string) => line({ errorDetail: { message }, error: message });
export const streamMessage = (text: string) => line({ stream: text });
export const auxMessage = (aux: unknown) => line({ aux });
