/** The API's shapes as the portal reads them (the OpenAPI document at /v1/openapi.json has all). */

export type TColumn = {
  name: string;
  type: 'integer' | 'number' | 'string' | 'boolean' | 'date' | 'timestamp';
  description: string;
  unit?: string;
  nullable: boolean;
  sensitivity: 'public' | 'personal' | 'identifier' | 'sensitive';
  min?: number;
  max?: number;
  codes?: (string | number)[];
  rules?: Record<string, unknown>[];
};

export type TDataset = {
  id: string;
  slug: string;
  title: string;
  titleEn: string | null;
  description: string;
  descriptionEn: string | null;
  providerOrgId: string;
  providerName: string;
  providerNameEn: string | null;
  theme: string;
  tags: string[];
  updateFrequency: string;
  license: string;
  classification: number;
  openness: 'open' | 'conditional' | 'closed';
  sharing: 'unconditional' | 'conditional' | 'none';
  sharingBasis: string | null;
  columns: TColumn[];
  status: 'draft' | 'submitted' | 'published' | 'retired';
  reviewNote: string | null;
  currentVersion: number | null;
  rowCount: number;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  retiredAt: string | null;
  timeliness: { isDataOverdue: boolean; lastDataAt: string | null; dataDueAt: string | null };
};

export type TFacet = { value: string; count: number; name?: string; nameEn?: string | null };
export type TDatasetPage = {
  items: TDataset[];
  page: { limit: number; maxLimit: number; offset: number; total: number };
  facets: Record<'theme' | 'openness' | 'sharing' | 'provider' | 'classification', TFacet[]>;
};

export const THEMES = [
  'environment',
  'transport',
  'health',
  'economy',
  'social-security',
  'education',
  'public-safety',
  'agriculture',
  'culture',
  'urban',
  'government',
  'population',
  'other',
] as const;
export const FREQUENCIES = [
  'realtime',
  'daily',
  'weekly',
  'monthly',
  'quarterly',
  'yearly',
  'irregular',
  'once',
];
export const FILTER_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'like'] as const;
export const AGGREGATE_FNS = ['count', 'sum', 'avg', 'min', 'max'] as const;
