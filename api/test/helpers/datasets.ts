import type { TestApp } from './test-app.ts';

/** A valid dataset registration body; override any field. */
export function datasetBody(over: Record<string, unknown> = {}) {
  const slug = `air-quality-${Math.random().toString(36).slice(2, 8)}`;
  return {
    slug,
    title: '城市空气质量日报',
    titleEn: 'Daily city air quality',
    description: '各城市每日空气质量指数与主要污染物浓度',
    descriptionEn: 'Daily AQI and main pollutant concentrations by city',
    theme: 'environment',
    tags: ['空气', 'air'],
    updateFrequency: 'daily',
    license: 'CC-BY-4.0',
    classification: 1,
    openness: 'open',
    columns: [
      {
        name: 'city_code',
        type: 'string',
        description: 'GB/T 2260 code',
        nullable: false,
        sensitivity: 'public',
      },
      { name: 'day', type: 'date', nullable: false, sensitivity: 'public' },
      { name: 'aqi', type: 'integer', nullable: false, sensitivity: 'public', min: 0, max: 500 },
      {
        name: 'pm25',
        type: 'number',
        unit: 'μg/m³',
        nullable: true,
        sensitivity: 'public',
        min: 0,
        max: 1000,
      },
    ],
    ...over,
  };
}

/** Registers, submits and publishes a dataset; returns its id. */
export async function publishDataset(t: TestApp, providerToken: string, over: Record<string, unknown> = {}) {
  const created = await t.req('POST', '/v1/datasets', { token: providerToken, json: datasetBody(over) });
  if (created.status !== 201) throw new Error(`create: ${created.text}`);
  const id = created.json.id as string;
  const submitted = await t.req('POST', `/v1/datasets/${id}/submit`, { token: providerToken });
  if (submitted.status !== 200) throw new Error(`submit: ${submitted.text}`);
  const reviewed = await t.req('POST', `/v1/datasets/${id}/review`, {
    token: t.adminToken,
    json: { decision: 'approve' },
  });
  if (reviewed.status !== 200) throw new Error(`review: ${reviewed.text}`);
  return id;
}

/** Uploads a body to a dataset as CSV (or the given type), in `mode` when given. */
export const uploadData = (
  t: TestApp,
  token: string,
  id: string,
  body: string | Uint8Array,
  opts: { mode?: string; type?: string } = {},
) =>
  t.req('POST', `/v1/datasets/${id}/data${opts.mode ? `?mode=${opts.mode}` : ''}`, {
    token,
    body: body as BodyInit,
    headers: { 'content-type': opts.type ?? 'text/csv' },
  });
