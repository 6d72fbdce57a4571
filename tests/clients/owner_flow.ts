// An owner's app, written against the TypeScript client generated from openapi/openapi.json (openapi-typescript +
// openapi-fetch). tests/clients/test_generated_clients.py type-checks it with `tsc --strict`: a renamed field, a
// dropped model or an untyped response breaks the build, as it would break a mobile developer's.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema";

type Problem = components["schemas"]["Problem"];
type TopicAnswer = components["schemas"]["TopicAnswer"]; // shaped by the topic's kind (issue #19 item 1)

function fail(problem: Problem | undefined, what: string): never {
  throw new Error(`${what}: ${problem?.code ?? "no answer"}`);
}

/** Sign in, find the open vote in my votes, vote for every group not yet voted, keep the receipt, read the result. */
export async function ownerFlow(
  baseUrl: string,
  phone: string,
  readCode: () => Promise<string>,
  answer: (topic: components["schemas"]["TopicRead"]) => TopicAnswer,
): Promise<string[]> {
  const api = createClient<paths>({ baseUrl });
  const sent = await api.POST("/api/v1/auth/codes", { body: { phone } });
  if (sent.error) fail(sent.error, "code");
  const login = await api.POST("/api/v1/auth/login", { body: { phone, code: await readCode() } });
  if (!login.data) fail(login.error, "sign-in");
  const headers = { Authorization: `Bearer ${login.data.access_token}` };

  // No id is known in advance: the open votes of my estates, each with the groups I act for (issue #19 item 4).
  const mine = await api.GET("/api/v1/me/votes", { params: { query: { state: "open" } }, headers });
  if (!mine.data) fail(mine.error, "my votes");
  const item = mine.data.items[0];
  if (!item) throw new Error("no open vote in my votes");
  const voteId = item.vote_id;
  const vote = await api.GET("/api/v1/votes/{vote_id}", { params: { path: { vote_id: voteId } }, headers });
  if (!vote.data) fail(vote.error, "vote");

  const receipts: string[] = [];
  for (const group of item.groups.filter((candidate) => !candidate.voted)) {
    const answers: Record<string, TopicAnswer> = {};
    for (const topic of vote.data.topics) answers[topic.id] = answer(topic);
    const cast = await api.POST("/api/v1/votes/{vote_id}/ballots", {
      params: { path: { vote_id: voteId } },
      headers,
      body: { group_id: group.group_id, answers },
    });
    if (!cast.data) fail(cast.error, "cast");
    const receipt = await api.GET("/api/v1/receipts/{entry_id}", {
      params: { path: { entry_id: cast.data.audit_entry_id } },
      headers,
    });
    if (!receipt.data) fail(receipt.error, "receipt");
    // The receipt is JSON, or the c2sp tlog-proof text with Accept: text/plain.
    receipts.push(typeof receipt.data === "string" ? receipt.data : receipt.data.leaf_hash);
  }

  const result = await api.GET("/api/v1/votes/{vote_id}/result", { params: { path: { vote_id: voteId } }, headers });
  if (!result.data) fail(result.error, "result");
  return result.data.topics.map((topic) => `${topic.position} ${topic.title}: ${topic.outcome}`);
}
