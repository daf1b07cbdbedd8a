/**
 * Puts ebpm's dashboards into a Metabase (the public indicators, and the published review sheets): finishes
 * Metabase's first-run setup (or logs in), connects it to the bi schema as bi_reader, and creates or updates each
 * dashboard's questions and layout. Running it again updates what it made before instead of adding copies.
 */
import { z } from 'zod';
import { MetabaseApi, metabaseReplies } from './metabase-api.js';
import { PUBLIC_DASHBOARD, type Dashboard, type DashboardCard } from './public-dashboard.js';
import { REVIEW_SHEETS_DASHBOARD } from './review-sheets-dashboard.js';

export interface MetabaseProvisioning {
  /** Where this process reaches Metabase, e.g. http://metabase:3000 inside Compose. */
  readonly url: string;
  /** Where a person opens it, e.g. http://localhost:3000. */
  readonly publicUrl: string;
  readonly admin: { readonly email: string; readonly password: string };
  /** How Metabase reaches Postgres (from Metabase's side of the network). */
  readonly database: { readonly host: string; readonly port: number; readonly name: string; readonly user: string; readonly password: string };
  /** How long to wait for Metabase to start (it takes a minute or two on first start). */
  readonly waitSeconds: number;
}

export class MetabaseNotReadyError extends Error {
  constructor(url: string, seconds: number, lastProblem: string) {
    super(`Metabase at ${url} was not ready after ${seconds} s (${lastProblem}); check that it is running (docker compose ps metabase) or raise MB_WAIT_SECONDS`);
    this.name = 'MetabaseNotReadyError';
  }
}

const DATABASE_NAME = 'ebpm (bi)';
const COLLECTION_NAME = 'ebpm';

async function waitUntilHealthy(api: MetabaseApi, options: MetabaseProvisioning, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + options.waitSeconds * 1000;
  let lastProblem = 'no answer yet';
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    try {
      const health = await api.request('GET', '/api/health', metabaseReplies.health);
      if (health.status === 'ok') return;
      lastProblem = `health ${health.status}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    if (attempt % 10 === 0) log(`Waiting for Metabase at ${options.url} (${lastProblem})…`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
  throw new MetabaseNotReadyError(options.url, options.waitSeconds, lastProblem);
}

async function signIn(api: MetabaseApi, options: MetabaseProvisioning, log: (line: string) => void): Promise<void> {
  const properties = await api.request('GET', '/api/session/properties', metabaseReplies.sessionProperties);
  if (!properties['has-user-setup']) {
    if (!properties['setup-token']) throw new Error('Metabase is not set up and offers no setup token; finish its setup in the browser, then run this again with that admin login');
    const session = await api.request('POST', '/api/setup', metabaseReplies.session, {
      token: properties['setup-token'],
      user: { email: options.admin.email, password: options.admin.password, first_name: 'ebpm', last_name: 'admin', site_name: 'ebpm' },
      prefs: { site_name: 'ebpm', site_locale: 'ja', allow_tracking: false },
    });
    api.useSession(session.id);
    log(`Set up Metabase with the admin ${options.admin.email}.`);
    return;
  }
  const session = await api.request('POST', '/api/session', metabaseReplies.session, { username: options.admin.email, password: options.admin.password });
  api.useSession(session.id);
}

async function connectBiSchema(api: MetabaseApi, options: MetabaseProvisioning): Promise<number> {
  const details = {
    host: options.database.host,
    port: options.database.port,
    dbname: options.database.name,
    user: options.database.user,
    password: options.database.password,
    ssl: false,
    // Only the bi schema: the role cannot read the others anyway, and Metabase need not list them.
    'schema-filters-type': 'inclusion',
    'schema-filters-patterns': 'bi',
  };
  const existing = (await api.request('GET', '/api/database', metabaseReplies.databases)).find((database) => database.name === DATABASE_NAME);
  if (existing) {
    await api.request('PUT', `/api/database/${existing.id}`, z.unknown(), { details });
    return existing.id;
  }
  return (await api.request('POST', '/api/database', metabaseReplies.created, { name: DATABASE_NAME, engine: 'postgres', details, is_full_sync: true })).id;
}

async function ensureCollection(api: MetabaseApi): Promise<number> {
  const existing = (await api.request('GET', '/api/collection', metabaseReplies.collections)).find((collection) => collection.name === COLLECTION_NAME && typeof collection.id === 'number');
  if (existing) return existing.id as number;
  return (await api.request('POST', '/api/collection', metabaseReplies.created, { name: COLLECTION_NAME, description: 'Dashboards and questions made by ebpm (ebpm metabase setup).' })).id;
}

function cardBody(card: DashboardCard, databaseId: number, collectionId: number) {
  return {
    name: card.name,
    description: card.description,
    collection_id: collectionId,
    display: card.display,
    dataset_query: { type: 'native', database: databaseId, native: { query: card.sql } },
    visualization_settings: card.chart ? { 'graph.dimensions': card.chart.dimensions, 'graph.metrics': card.chart.metrics } : {},
  };
}

export interface ProvisionedDashboard {
  readonly name: string;
  readonly dashboardUrl: string;
  readonly cards: number;
}

/** The dashboards ebpm provisions, in order; their cards' names are unique across them (cards are matched by name). */
export const DASHBOARDS: readonly Dashboard[] = [PUBLIC_DASHBOARD, REVIEW_SHEETS_DASHBOARD];

type CollectionItems = z.infer<typeof metabaseReplies.collectionItems>;

/** One dashboard's questions created or updated, then its layout replaced as a whole. */
async function provisionDashboard(
  api: MetabaseApi,
  dashboard: Dashboard,
  ids: { readonly databaseId: number; readonly collectionId: number },
  items: CollectionItems,
  publicUrl: string,
): Promise<ProvisionedDashboard> {
  const existingCard = new Map(items.filter((item) => item.model === 'card').map((item) => [item.name, item.id]));
  const cardIds: number[] = [];
  for (const card of dashboard.cards) {
    const body = cardBody(card, ids.databaseId, ids.collectionId);
    // Under its name, else under a name it had before (the PUT renames it).
    const id = [card.name, ...(card.formerNames ?? [])].map((name) => existingCard.get(name)).find((found) => found !== undefined);
    if (id !== undefined) {
      await api.request('PUT', `/api/card/${id}`, z.unknown(), body);
      cardIds.push(id);
    } else cardIds.push((await api.request('POST', '/api/card', metabaseReplies.created, body)).id);
  }

  const names = [dashboard.name, ...(dashboard.formerNames ?? [])];
  const existingDashboard = names.map((name) => items.find((item) => item.model === 'dashboard' && item.name === name)).find((found) => found !== undefined);
  const dashboardId =
    existingDashboard?.id ??
    (await api.request('POST', '/api/dashboard', metabaseReplies.created, { name: dashboard.name, description: dashboard.description, collection_id: ids.collectionId })).id;
  // The name (a dashboard found under a former name is renamed), the description (with the attribution it may carry)
  // and the layout are replaced as a whole; negative ids ask Metabase to create the dashboard cards.
  await api.request('PUT', `/api/dashboard/${dashboardId}`, z.unknown(), {
    name: dashboard.name,
    description: dashboard.description,
    dashcards: dashboard.cards.map((card, index) => ({
      id: -(index + 1),
      card_id: cardIds[index],
      row: card.layout.row,
      col: card.layout.col,
      size_x: card.layout.width,
      size_y: card.layout.height,
    })),
  });
  return { name: dashboard.name, dashboardUrl: new URL(`/dashboard/${dashboardId}`, publicUrl).toString(), cards: cardIds.length };
}

export async function provisionMetabase(options: MetabaseProvisioning, log: (line: string) => void): Promise<ProvisionedDashboard[]> {
  const api = new MetabaseApi(options.url);
  await waitUntilHealthy(api, options, log);
  await signIn(api, options, log);
  const databaseId = await connectBiSchema(api, options);
  const collectionId = await ensureCollection(api);
  const items = await api.request('GET', `/api/collection/${collectionId}/items`, metabaseReplies.collectionItems);
  const provisioned: ProvisionedDashboard[] = [];
  for (const dashboard of DASHBOARDS) provisioned.push(await provisionDashboard(api, dashboard, { databaseId, collectionId }, items, options.publicUrl));
  return provisioned;
}
