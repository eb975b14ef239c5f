/** The presets that run their own experiments, by name (see study.ts). */
import type { Study } from './study.js';
import { ganStudy } from './study-gan.js';
import { metaStudy } from './study-meta.js';
import { vaeStudy } from './study-vae.js';

export const STUDIES: Record<string, Study> = { meta: metaStudy, gan: ganStudy, vae: vaeStudy };
