import { airQuality } from './datasets/air-quality.ts';
import { busRidership } from './datasets/bus-ridership.ts';
import { enterprises } from './datasets/enterprises.ts';
import { publicFacilities } from './datasets/public-facilities.ts';
import { socialInsurance } from './datasets/social-insurance.ts';
import { socialSecurityCards } from './datasets/social-security-cards.ts';
import type { TDemoDataset } from './demo-dataset.ts';

/** Every demo catalogue entry, in the order they are seeded. */
export const DEMO_DATASETS: readonly TDemoDataset[] = [
  airQuality,
  publicFacilities,
  busRidership,
  socialInsurance,
  enterprises,
  socialSecurityCards,
];
