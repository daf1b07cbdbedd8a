/**
 * The few Metabase REST endpoints provisioning needs (those of the open-source edition, v0.47 and
 * later). Replies cross a zod schema, so a Metabase that answers differently fails with what it sent.
 */
import { z } from 'zod';

export class MetabaseRequestError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`Metabase answered ${method} ${path} with ${status}: ${body.slice(0, 500)}`);
    this.name = 'MetabaseRequestError';
  }
}

const withId = z.object({ id: z.number().int() });
const named = z.object({ id: z.number().int(), name: z.string() });

export const metabaseReplies = {
  health: z.object({ status: z.string() }),
  sessionProperties: z.object({ 'setup-token': z.string().nullable().optional(), 'has-user-setup': z.boolean() }),
  session: z.object({ id: z.string() }),
  created: withId,
  databases: z.union([z.object({ data: z.array(named) }), z.array(named)]).transform((reply) => (Array.isArray(reply) ? reply : reply.data)),
  collections: z.array(z.object({ id: z.union([z.number().int(), z.string()]), name: z.string() })),
  collectionItems: z
    .union([z.object({ data: z.array(named.extend({ model: z.string() })) }), z.array(named.extend({ model: z.string() }))])
    .transform((reply) => (Array.isArray(reply) ? reply : reply.data)),
};

export class MetabaseApi {
  private session: string | null = null;

  constructor(private readonly baseUrl: string) {}

  useSession(id: string): void {
    this.session = id;
  }

  async request<Schema extends z.ZodType>(method: 'GET' | 'POST' | 'PUT', path: string, reply: Schema, body?: unknown): Promise<z.output<Schema>> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: { 'Content-Type': 'application/json', ...(this.session ? { 'X-Metabase-Session': this.session } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new MetabaseRequestError(method, path, response.status, text);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new MetabaseRequestError(method, path, response.status, `not JSON: ${text}`);
    }
    const parsed = reply.safeParse(json);
    if (!parsed.success) throw new MetabaseRequestError(method, path, response.status, `unexpected reply (${parsed.error.issues[0]?.message}): ${text}`);
    return parsed.data;
  }
}
