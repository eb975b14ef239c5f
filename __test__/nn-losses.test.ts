/**
 * Losses, regularisation and metrics: every loss's value and gradient against torch numbers
 * (literal cases below), finite differences, reductions, class weights, label smoothing,
 * ignore index, probability targets, BCE stability, KL variants; the fused loss kernels
 * native vs js; L1/L2 penalties and max-norm against direct formulas; metrics on hand-checked
 * cases; bad input. Every backend-dependent test runs on both backends.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { jsKernels, seedState } from '../src/backend/js/index.js';
import type { Kernels } from '../src/backend/kernels.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { Linear, losses, Model, ReLU, Sequential } from '../src/nn/index.js';
import type { LayerParam } from '../src/nn/layer.js';
import type { Loss, Target } from '../src/nn/loss.js';
import { l1l2Penalty, maxNormConstraint } from '../src/nn/regularization.js';
import type { Tensor } from '../src/nn/tensor.js';
import { Rng } from '../src/random.js';
import {
  accuracy,
  confusionMatrix,
  meanAbsoluteError,
  topKAccuracy,
} from '../src/train/metrics.js';
import { nativeUnderTest, wasmUnderTest } from './helpers/backends.js';

const {
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  HuberLoss,
  KLDivLoss,
  L1Loss,
  MSELoss,
  NLLLoss,
  SmoothL1Loss,
} = losses;

const initial = getBackend().name;
const prevMin = setMinNativeLength(0);
afterAll(() => {
  setBackend(initial);
  setMinNativeLength(prevMin);
});

const t2 = (rows: number[][]): Tensor => ({
  data: Float32Array.from(rows.flat()),
  shape: [rows.length, rows[0].length],
});
const f32 = (v: number[]) => Float32Array.from(v);
const i32 = (v: number[]) => Int32Array.from(v);

// Inputs of the torch cases (float32 values; torch computed in float64 from the same floats).
const P = [
  [0.5, -1.2, 2.0, 0.3],
  [1.5, 0.0, -0.7, 3.1],
  [-2.2, 0.8, 0.25, -0.4],
];
const T = [
  [0.0, -1.0, 0.5, 0.3],
  [-0.5, 0.2, -0.7, 1.0],
  [0.1, 0.9, 1.5, -1.9],
];
const X = [
  [1.2, -0.3, 0.5, 2.1, -1.0],
  [0.0, 0.7, -1.5, 0.3, 0.9],
  [-0.4, 1.1, 0.2, -2.0, 1.6],
  [2.5, -0.8, 0.1, 0.4, -0.6],
];
const LAB = [1, 0, 4, 2];
const W = [0.5, 1.0, 2.0, 1.5, 0.8];
const TP = [
  [0.1, 0.6, 0.1, 0.1, 0.1],
  [0.7, 0.0, 0.1, 0.2, 0.0],
  [0.25, 0.25, 0.0, 0.0, 0.5],
  [0.0, 0.0, 1.0, 0.0, 0.0],
];
const BX = [
  [100.0, -100.0, 0.5, -2.0],
  [3.0, -0.25, 0.0, 1.5],
  [-4.0, 2.5, -100.0, 100.0],
];
const BY = [
  [1.0, 1.0, 0.0, 0.3],
  [0.0, 1.0, 0.5, 0.8],
  [1.0, 0.0, 0.0, 0.0],
];
const PW = [2.0, 0.5, 3.0, 1.0];
const BW = [1.0, 0.5, 2.0, 0.25];
const BWF = [
  [0.2, 1.0, 1.5, 0.7],
  [1.0, 0.0, 2.0, 0.4],
  [0.9, 1.1, 0.3, 1.0],
];
const LP = [
  [-1.2, -0.5, -2.3, -3.0],
  [-0.1, -2.5, -4.0, -3.3],
  [-1.4, -1.4, -1.4, -1.4],
];
const KT = [
  [0.2, 0.5, 0.0, 0.3],
  [0.9, 0.05, 0.05, 0.0],
  [0.25, 0.25, 0.25, 0.25],
];
const KLT = [
  [-1.0, -0.7, -3.0, -1.6],
  [-0.1, -3.0, -3.0, -5.0],
  [-1.3863, -1.3863, -1.3863, -1.3863],
];

/**
 * Loss values and dL/dpred computed with torch 2.15 (torch.nn modules, float64 from the float32
 * inputs above, printed to 9 significant digits) by a throwaway script.
 */
const TORCH: Record<string, { loss: number; grad: number[] }> = {
  mse_mean: {
    loss: 1.67520831,
    grad: [
      0.0833333333, -0.0333333413, 0.25, 0.0, 0.333333333, -0.0333333338, 0.0, 0.349999984,
      -0.383333342, -0.0166666607, -0.208333333, 0.249999995,
    ],
  },
  l1_mean: {
    loss: 0.970833328,
    grad: [
      0.0833333333, -0.0833333333, 0.0833333333, 0.0, 0.0833333333, -0.0833333333, 0.0,
      0.0833333333, -0.0833333333, -0.0833333333, -0.0833333333, 0.0833333333,
    ],
  },
  mse_sum: {
    loss: 20.1024997,
    grad: [
      1.0, -0.400000095, 3.0, 0.0, 4.0, -0.400000006, 0.0, 4.19999981, -4.6000001, -0.199999928,
      -2.5, 2.99999994,
    ],
  },
  l1_sum: {
    loss: 11.6499999,
    grad: [1.0, -1.0, 1.0, 0.0, 1.0, -1.0, 0.0, 1.0, -1.0, -1.0, -1.0, 1.0],
  },
  huber1_mean: {
    loss: 0.651666661,
    grad: [
      0.0416666667, -0.0166666706, 0.0833333333, 0.0, 0.0833333333, -0.0166666669, 0.0,
      0.0833333333, -0.0833333333, -0.00833333035, -0.0833333333, 0.0833333333,
    ],
  },
  huber05_sum: {
    loss: 4.74499997,
    grad: [
      0.5, -0.200000048, 0.5, 0.0, 0.5, -0.200000003, 0.0, 0.5, -0.5, -0.0999999642, -0.5, 0.5,
    ],
  },
  sl1_1_mean: {
    loss: 0.651666661,
    grad: [
      0.0416666667, -0.0166666706, 0.0833333333, 0.0, 0.0833333333, -0.0166666669, 0.0,
      0.0833333333, -0.0833333333, -0.00833333035, -0.0833333333, 0.0833333333,
    ],
  },
  sl1_05_sum: {
    loss: 9.48999994,
    grad: [1.0, -0.400000095, 1.0, 0.0, 1.0, -0.400000006, 0.0, 1.0, -1.0, -0.199999928, -1.0, 1.0],
  },
  sl1_0_mean: {
    loss: 0.970833328,
    grad: [
      0.0833333333, -0.0833333333, 0.0833333333, 0.0, 0.0833333333, -0.0833333333, 0.0,
      0.0833333333, -0.0833333333, -0.0833333333, -0.0833333333, 0.0833333333,
    ],
  },
  ce_mean: {
    loss: 2.06710668,
    grad: [
      0.0582734101, -0.236997445, 0.0289377177, 0.14332944, 0.00645687757, -0.214520612,
      0.0714467133, 0.00791652158, 0.0478921653, 0.0872652116, 0.0167844252, 0.0752225774,
      0.030583217, 0.00338871703, -0.125978937, 0.193034281, 0.0071197156, -0.232488325,
      0.0236382887, 0.00869604017,
    ],
  },
  ce_w_mean: {
    loss: 2.28152637,
    grad: [
      0.0542078232, -0.220462739, 0.026918807, 0.133329711, 0.00600639773, -0.0997770284,
      0.0332310293, 0.00368210305, 0.0222754256, 0.0405884704, 0.0124907352, 0.0559795931,
      0.0227596037, 0.00252183596, -0.093751768, 0.359133544, 0.0132459825, -0.432536418,
      0.0439782114, 0.0161786793,
    ],
  },
  ce_ws02_mean: {
    loss: 2.32016877,
    grad: [
      0.0512913107, -0.182866384, 0.00917555777, 0.123642774, -0.0012432581, -0.0768158385,
      0.0327016956, -0.0139504729, 0.0142026497, 0.0438619661, 0.00896373855, 0.0517154308,
      0.00620331679, -0.0112046871, -0.0556777989, 0.324315164, 0.0028309944, -0.360854521,
      0.0263305533, 0.00737780973,
    ],
  },
  ce_p_mean: {
    loss: 2.14585669,
    grad: [
      0.0332734114, -0.136997451, 0.00393771815, 0.118329444, -0.0185431226, -0.139520609,
      0.0714467127, -0.0170834789, -0.00210783583, 0.087265211, -0.0457155748, 0.0127225774,
      0.030583217, 0.00338871703, -0.000978936669, 0.193034281, 0.0071197156, -0.232488325,
      0.0236382887, 0.00869604017,
    ],
  },
  ce_pws01_mean: {
    loss: 2.68679175,
    grad: [
      0.0496514717, -0.125853226, -0.023515763, 0.114692435, -0.0149749176, -0.0499926576,
      0.0579445545, -0.0480255451, -0.0328070033, 0.0728806515, -0.01697087, -5.64328958e-5,
      0.0148794472, -0.00474327868, 0.00689113431, 0.367353682, 0.0086413751, -0.426447631,
      0.0377909611, 0.0126616129,
    ],
  },
  ce_sum: {
    loss: 8.2684267,
    grad: [
      0.23309364, -0.947989782, 0.115750871, 0.573317761, 0.0258275103, -0.858082447, 0.285786853,
      0.0316660863, 0.191568661, 0.349060846, 0.0671377009, 0.300890309, 0.122332868, 0.0135548681,
      -0.503915747, 0.772137123, 0.0284788624, -0.9299533, 0.0945531547, 0.0347841607,
    ],
  },
  ce_w_sum: {
    loss: 9.81056343,
    grad: [
      0.23309364, -0.947989782, 0.115750871, 0.573317761, 0.0258275103, -0.429041224, 0.142893427,
      0.0158330432, 0.0957843306, 0.174530423, 0.0537101615, 0.240712251, 0.097866296, 0.0108438947,
      -0.403132603, 1.54427425, 0.0569577248, -1.8599066, 0.189106309, 0.0695683214,
    ],
  },
  ce_ws02_sum: {
    loss: 9.97672575,
    grad: [
      0.220552637, -0.786325455, 0.0394548985, 0.531663929, -0.00534600984, -0.330308106,
      0.140617291, -0.0599870334, 0.0610713939, 0.188606455, 0.0385440759, 0.222376353,
      0.0266742623, -0.0481801549, -0.239414536, 1.39455521, 0.012173276, -1.55167445, 0.11322138,
      0.0317245819,
    ],
  },
  ce_p_sum: {
    loss: 8.58342678,
    grad: [
      0.133093646, -0.547989804, 0.0157508726, 0.473317776, -0.0741724904, -0.558082436,
      0.285786851, -0.0683339154, -0.0084313433, 0.349060844, -0.182862299, 0.0508903094,
      0.122332868, 0.0135548681, -0.00391574668, 0.772137123, 0.0284788624, -0.9299533,
      0.0945531547, 0.0347841607,
    ],
  },
  ce_pws01_sum: {
    loss: 10.747167,
    grad: [
      0.198605887, -0.503412903, -0.0940630521, 0.458769738, -0.0598996704, -0.19997063,
      0.231778218, -0.192102181, -0.131228013, 0.291522606, -0.0678834799, -0.000225731583,
      0.0595177889, -0.0189731147, 0.0275645373, 1.46941473, 0.0345655004, -1.70579052, 0.151163844,
      0.0506464516,
    ],
  },
  ce_s01_mean: {
    loss: 2.07710668,
    grad: [
      0.0532734101, -0.216997445, 0.0239377177, 0.13832944, 0.00145687757, -0.194520612,
      0.0664467133, 0.00291652158, 0.0428921653, 0.0822652116, 0.0117844252, 0.0702225774,
      0.025583217, -0.00161128297, -0.105978937, 0.188034281, 0.0021197156, -0.212488325,
      0.0186382887, 0.00369604017,
    ],
  },
  ce_pw_mean: {
    loss: 2.68973041,
    grad: [
      0.0504352846, -0.135957247, -0.0187472647, 0.117295799, -0.0130265726, -0.0573425185,
      0.0607297064, -0.0432709574, -0.0342916606, 0.07417543, -0.0182420703, -0.0042025021,
      0.0237019934, 0.00262625572, -0.00388367667, 0.386068561, 0.0142394312, -0.46497665,
      0.0472765774, 0.0173920803,
    ],
  },
  ce_ign_mean: {
    loss: 2.1053059,
    grad: [
      0.0776978801, -0.315996594, 0.0385836235, 0.19110592, 0.0086091701, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0223792336, 0.10029677, 0.0407776227, 0.00451828938, -0.167971916, 0.257379041,
      0.00949295414, -0.309984433, 0.0315177182, 0.0115947202,
    ],
  },
  ce_ign_ws03_mean: {
    loss: 2.21851934,
    grad: [
      0.11904563, -0.391940715, 0.000726062493, 0.283798339, -0.0116293165, 0.0, 0.0, 0.0, 0.0, 0.0,
      0.0172005738, 0.118449112, -0.00495653029, -0.0431623217, -0.0875308342, 0.0, 0.0, 0.0, 0.0,
      0.0,
    ],
  },
  ce_ign2_sum: {
    loss: 5.60983358,
    grad: [
      0.23309364, -0.947989782, 0.115750871, 0.573317761, 0.0258275103, -0.858082447, 0.285786853,
      0.0316660863, 0.191568661, 0.349060846, 0.0671377009, 0.300890309, 0.122332868, 0.0135548681,
      -0.503915747, 0.0, 0.0, 0.0, 0.0, 0.0,
    ],
  },
  bce_mean: {
    loss: 17.7805943,
    grad: [
      0.0, -0.0833333333, 0.0518716109, -0.0150664242, 0.0793811772, -0.0468480417, 0.0,
      0.00146453869, -0.0818344825, 0.0770118183, 3.10006331e-45, 0.0833333333,
    ],
  },
  bce_sum: {
    loss: 213.367132,
    grad: [
      0.0, -1.0, 0.622459331, -0.18079709, 0.952574127, -0.562176501, 0.0, 0.0175744643,
      -0.98201379, 0.92414182, 3.72007598e-44, 1.0,
    ],
  },
  bce_pw_mean: {
    loss: 13.9721216,
    grad: [
      0.0, -0.0416666667, 0.0518716109, -0.0150664242, 0.0793811772, -0.0234240209, -0.0416666667,
      0.00146453869, -0.163668965, 0.0770118183, 3.10006331e-45, 0.0833333333,
    ],
  },
  bce_w_mean: {
    loss: 7.28422379,
    grad: [
      0.0, -0.0416666667, 0.103743222, -0.00376660604, 0.0793811772, -0.0234240209, 0.0,
      0.000366134672, -0.0818344825, 0.0385059092, 6.20012663e-45, 0.0208333333,
    ],
  },
  bce_wfpw_sum: {
    loss: 168.061155,
    grad: [
      0.0, -0.5, 0.933688997, -0.126557961, 0.952574127, -0.0, -1.0, 0.00702978581, -1.76762478,
      1.01655602, 1.11602284e-44, 1.0,
    ],
  },
  bce_stable_sum: { loss: 200.0, grad: [0.0, -1.0, 1.0, 3.72007598e-44] },
  nll_mean: {
    loss: -0.350000003,
    grad: [
      0.0, -0.25, 0.0, 0.0, 0.0, -0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.25, 0.0, 0.0,
      -0.25, 0.0, 0.0,
    ],
  },
  nll_w_mean: {
    loss: -0.274418611,
    grad: [
      0.0, -0.232558139, 0.0, 0.0, 0.0, -0.116279069, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
      -0.186046514, 0.0, 0.0, -0.465116278, 0.0, 0.0,
    ],
  },
  nll_sum: {
    loss: -1.40000001,
    grad: [
      0.0, -1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, -1.0,
      0.0, 0.0,
    ],
  },
  nll_w_sum: {
    loss: -1.18000003,
    grad: [
      0.0, -1.0, 0.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.800000012, 0.0,
      0.0, -2.0, 0.0, 0.0,
    ],
  },
  nll_wign_mean: {
    loss: -0.310526323,
    grad: [
      0.0, -0.263157894, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.210526318,
      0.0, 0.0, -0.526315788, 0.0, 0.0,
    ],
  },
  kl_mean: {
    loss: 0.0328879111,
    grad: [
      -0.0166666669, -0.0416666667, -0.0, -0.025000001, -0.074999998, -0.00416666673,
      -0.00416666673, -0.0, -0.0208333333, -0.0208333333, -0.0208333333, -0.0208333333,
    ],
  },
  kllog_mean: {
    loss: 0.0207668307,
    grad: [
      -0.0306566201, -0.0413821091, -0.00414892236, -0.0168247094, -0.0754031181, -0.00414892236,
      -0.00414892236, -0.000561495583, -0.0208332165, -0.0208332165, -0.0208332165, -0.0208332165,
    ],
  },
  kl_sum: {
    loss: 0.394654934,
    grad: [
      -0.200000003, -0.5, -0.0, -0.300000012, -0.899999976, -0.0500000007, -0.0500000007, -0.0,
      -0.25, -0.25, -0.25, -0.25,
    ],
  },
  kllog_sum: {
    loss: 0.249201969,
    grad: [
      -0.367879441, -0.49658531, -0.0497870684, -0.201896513, -0.904837417, -0.0497870684,
      -0.0497870684, -0.006737947, -0.249998598, -0.249998598, -0.249998598, -0.249998598,
    ],
  },
  kl_batchmean: {
    loss: 0.131551645,
    grad: [
      -0.0666666677, -0.166666667, -0.0, -0.100000004, -0.299999992, -0.0166666669, -0.0166666669,
      -0.0, -0.0833333333, -0.0833333333, -0.0833333333, -0.0833333333,
    ],
  },
  kllog_batchmean: {
    loss: 0.0830673229,
    grad: [
      -0.12262648, -0.165528437, -0.0165956895, -0.0672988377, -0.301612472, -0.0165956895,
      -0.0165956895, -0.00224598233, -0.0833328661, -0.0833328661, -0.0833328661, -0.0833328661,
    ],
  },
};

/** [torch case, loss, prediction, target]. */
const CASES: Array<[string, () => Loss, number[][], () => Target]> = [
  ['mse_mean', () => new MSELoss(), P, () => t2(T)],
  ['mse_sum', () => new MSELoss({ reduction: 'sum' }), P, () => t2(T)],
  ['l1_mean', () => new L1Loss(), P, () => t2(T)],
  ['l1_sum', () => new L1Loss({ reduction: 'sum' }), P, () => t2(T)],
  ['huber1_mean', () => new HuberLoss(), P, () => t2(T)],
  ['huber05_sum', () => new HuberLoss({ delta: 0.5, reduction: 'sum' }), P, () => t2(T)],
  ['sl1_1_mean', () => new SmoothL1Loss(), P, () => t2(T)],
  ['sl1_05_sum', () => new SmoothL1Loss({ beta: 0.5, reduction: 'sum' }), P, () => t2(T)],
  ['sl1_0_mean', () => new SmoothL1Loss({ beta: 0 }), P, () => t2(T)],
  ['ce_mean', () => new CrossEntropyLoss(), X, () => i32(LAB)],
  ['ce_sum', () => new CrossEntropyLoss({ reduction: 'sum' }), X, () => i32(LAB)],
  ['ce_w_mean', () => new CrossEntropyLoss({ weight: f32(W) }), X, () => i32(LAB)],
  ['ce_w_sum', () => new CrossEntropyLoss({ weight: f32(W), reduction: 'sum' }), X, () => i32(LAB)],
  ['ce_s01_mean', () => new CrossEntropyLoss({ labelSmoothing: 0.1 }), X, () => i32(LAB)],
  [
    'ce_ws02_mean',
    () => new CrossEntropyLoss({ weight: f32(W), labelSmoothing: 0.2 }),
    X,
    () => i32(LAB),
  ],
  [
    'ce_ws02_sum',
    () => new CrossEntropyLoss({ weight: f32(W), labelSmoothing: 0.2, reduction: 'sum' }),
    X,
    () => i32(LAB),
  ],
  ['ce_ign_mean', () => new CrossEntropyLoss(), X, () => i32([1, -100, 4, 2])],
  [
    'ce_ign_ws03_mean',
    () => new CrossEntropyLoss({ weight: f32(W), labelSmoothing: 0.3 }),
    X,
    () => i32([1, -100, 4, -100]),
  ],
  [
    'ce_ign2_sum',
    () => new CrossEntropyLoss({ ignoreIndex: 2, reduction: 'sum' }),
    X,
    () => i32([1, 0, 4, 2]),
  ],
  ['ce_p_mean', () => new CrossEntropyLoss(), X, () => t2(TP)],
  ['ce_p_sum', () => new CrossEntropyLoss({ reduction: 'sum' }), X, () => t2(TP)],
  ['ce_pw_mean', () => new CrossEntropyLoss({ weight: f32(W) }), X, () => t2(TP)],
  [
    'ce_pws01_mean',
    () => new CrossEntropyLoss({ weight: f32(W), labelSmoothing: 0.1 }),
    X,
    () => t2(TP),
  ],
  [
    'ce_pws01_sum',
    () => new CrossEntropyLoss({ weight: f32(W), labelSmoothing: 0.1, reduction: 'sum' }),
    X,
    () => t2(TP),
  ],
  ['bce_mean', () => new BCEWithLogitsLoss(), BX, () => t2(BY)],
  ['bce_sum', () => new BCEWithLogitsLoss({ reduction: 'sum' }), BX, () => t2(BY)],
  ['bce_pw_mean', () => new BCEWithLogitsLoss({ posWeight: f32(PW) }), BX, () => t2(BY)],
  ['bce_w_mean', () => new BCEWithLogitsLoss({ weight: f32(BW) }), BX, () => t2(BY)],
  [
    'bce_wfpw_sum',
    () => new BCEWithLogitsLoss({ weight: f32(BWF.flat()), posWeight: f32(PW), reduction: 'sum' }),
    BX,
    () => t2(BY),
  ],
  [
    'bce_stable_sum',
    () => new BCEWithLogitsLoss({ reduction: 'sum' }),
    [[100, -100, 100, -100]],
    () => t2([[1, 1, 0, 0]]),
  ],
  ['nll_mean', () => new NLLLoss(), X, () => i32(LAB)],
  ['nll_sum', () => new NLLLoss({ reduction: 'sum' }), X, () => i32(LAB)],
  ['nll_w_mean', () => new NLLLoss({ weight: f32(W) }), X, () => i32(LAB)],
  ['nll_w_sum', () => new NLLLoss({ weight: f32(W), reduction: 'sum' }), X, () => i32(LAB)],
  ['nll_wign_mean', () => new NLLLoss({ weight: f32(W) }), X, () => i32([1, -100, 4, 2])],
  ['kl_mean', () => new KLDivLoss(), LP, () => t2(KT)],
  ['kl_sum', () => new KLDivLoss({ reduction: 'sum' }), LP, () => t2(KT)],
  ['kl_batchmean', () => new KLDivLoss({ reduction: 'batchmean' }), LP, () => t2(KT)],
  ['kllog_mean', () => new KLDivLoss({ logTarget: true }), LP, () => t2(KLT)],
  ['kllog_sum', () => new KLDivLoss({ logTarget: true, reduction: 'sum' }), LP, () => t2(KLT)],
  [
    'kllog_batchmean',
    () => new KLDivLoss({ logTarget: true, reduction: 'batchmean' }),
    LP,
    () => t2(KLT),
  ],
];

/** Largest |ours − torch| / (1e-2 + |torch|) seen, per backend (reported by the last test). */
const worstVsTorch: Record<string, { err: number; where: string }> = {};

function closeTo(got: number, want: number, rel: number, what: string): void {
  // Relative, with a floor: a gradient entry p·Σa − a near 0 keeps only absolute accuracy.
  const err = Math.abs(got - want) / (1e-2 + Math.abs(want));
  expect(err, `${what}: got ${got}, torch ${want}`).toBeLessThanOrEqual(rel);
}

/** Central differences with Richardson extrapolation of L at pred[i] (in f64 from f32 steps). */
function numericGrad(f: () => number, arr: Float32Array, i: number): number {
  const v = arr[i];
  const h = 1e-2 * (1 + Math.abs(v));
  const at = (k: number) => {
    arr[i] = Math.fround(v + k * h);
    const actual = arr[i] - v;
    return [f(), actual] as const;
  };
  const [p1, h1] = at(1);
  const [m1, hm1] = at(-1);
  const [p2, h2] = at(2);
  const [m2, hm2] = at(-2);
  arr[i] = v;
  const d1 = (p1 - m1) / (h1 - hm1);
  const d2 = (p2 - m2) / (h2 - hm2);
  return (4 * d1 - d2) / 3;
}

function fdCheck(loss: Loss, pred: Tensor, target: Target, tol = 2e-3): void {
  const grad = new Float32Array(pred.data.length);
  const value = loss.forward(pred, target, grad);
  expect(loss.forward(pred, target)).toBe(value);
  for (let i = 0; i < pred.data.length; i++) {
    const num = numericGrad(() => loss.forward(pred, target), pred.data, i);
    expect(
      Math.abs(grad[i] - num),
      `${loss.name} grad[${i}]: analytic ${grad[i]}, numeric ${num}`,
    ).toBeLessThanOrEqual(tol * (1 + Math.abs(num)));
  }
}

/** |d| in [0.15, 0.35] ∪ [1.15, 2.5] with a random sign: away from every kink (0, 0.5, 1). */
function awayFromKinks(rng: Rng, n: number): Float32Array {
  const u = rng.uniform(n, 0, 1);
  const s = rng.uniform(n, -1, 1);
  return u.map((v, i) => (v < 0.5 ? 0.15 + 0.4 * v : 1.15 + 2.7 * (v - 0.5)) * Math.sign(s[i]));
}

describe.each(['js', 'native'] as BackendName[])('%s backend', (name) => {
  it('matches torch on every loss, reduction and option (value and gradient)', () => {
    setBackend(name);
    let worst = { err: 0, where: '' };
    for (const [key, make, pred, target] of CASES) {
      const ref = TORCH[key];
      const loss = make();
      const p = t2(pred);
      const g = new Float32Array(p.data.length).fill(Number.NaN);
      const value = loss.forward(p, target(), g);
      closeTo(value, ref.loss, 2e-6, `${key} loss`);
      expect(loss.forward(p, target()), `${key} without grad`).toBe(value);
      const errs = [Math.abs(value - ref.loss) / (1e-2 + Math.abs(ref.loss))];
      ref.grad.forEach((want, i) => {
        closeTo(g[i], want, 2e-6, `${key} grad[${i}]`);
        errs.push(Math.abs(g[i] - want) / (1e-2 + Math.abs(want)));
      });
      const e = Math.max(...errs);
      if (e > worst.err) worst = { err: e, where: key };
    }
    worstVsTorch[name] = worst;
  });

  it('BCEWithLogits is finite and exact at |logit| = 100 (and beyond)', () => {
    setBackend(name);
    const loss = new BCEWithLogitsLoss({ reduction: 'sum' });
    const x = t2([[100, -100, 100, -100, 1e4, -1e4]]);
    const g = new Float32Array(6);
    // ℓ = softplus(−x) for y = 1, softplus(x) for y = 0.
    const value = loss.forward(x, t2([[1, 1, 0, 0, 1, 1]]), g);
    expect(value).toBeCloseTo(200 + 1e4, 3);
    // dℓ/dx = σ(x) − y: ∓σ(−100) ≈ ∓3.7e-44 (a subnormal, where torch's float64 rounds
    // 1 − σ(100) to 0), ±1, and e^−10000 = 0 beyond.
    expect(g[0]).toBeLessThan(0);
    expect(g[0]).toBeGreaterThan(-1e-43);
    expect(g[3]).toBeGreaterThan(0);
    expect(g[3]).toBeLessThan(1e-43);
    expect([g[1], g[2], g[4], g[5]]).toEqual([-1, 1, 0, -1]);
  });

  it('gradients match finite differences for every loss', () => {
    setBackend(name);
    const rng = new Rng(7);
    const [rows, cols] = [6, 5];
    const n = rows * cols;
    const pred = (): Tensor => ({ data: rng.uniform(n, -2, 2), shape: [rows, cols] });
    const dense = (lo: number, hi: number): Tensor => ({
      data: rng.uniform(n, lo, hi),
      shape: [rows, cols],
    });
    const kinkFree = (): [Tensor, Tensor] => {
      const p = pred();
      const d = awayFromKinks(rng, n);
      return [p, { data: p.data.map((v, i) => v - d[i]), shape: p.shape }];
    };
    for (const loss of [
      new MSELoss(),
      new L1Loss({ reduction: 'sum' }),
      new HuberLoss({ reduction: 'sum' }),
      new HuberLoss({ delta: 0.5 }),
      new SmoothL1Loss({ beta: 0.5, reduction: 'sum' }),
      new SmoothL1Loss({ beta: 0 }),
    ]) {
      const [p, t] = kinkFree();
      fdCheck(loss, p, t);
    }
    const labels = i32([0, 4, 2, 2, 1, 3]);
    const ignored = i32([0, -100, 2, 2, -100, 3]);
    const w = f32([0.5, 1, 2, 1.5, 0.8]);
    fdCheck(new CrossEntropyLoss({ reduction: 'sum' }), pred(), labels);
    fdCheck(new CrossEntropyLoss({ weight: w, labelSmoothing: 0.15 }), pred(), ignored);
    fdCheck(new CrossEntropyLoss({ labelSmoothing: 0.3, reduction: 'sum' }), pred(), labels);
    const probs = dense(0, 1);
    fdCheck(new CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 }), pred(), probs);
    fdCheck(
      new BCEWithLogitsLoss({ posWeight: f32([2, 0.5, 1, 3, 1]), weight: w, reduction: 'sum' }),
      pred(),
      dense(0, 1),
    );
    fdCheck(new NLLLoss({ weight: w }), pred(), ignored);
    fdCheck(new KLDivLoss({ reduction: 'batchmean' }), pred(), dense(0, 1));
    fdCheck(new KLDivLoss({ logTarget: true, reduction: 'sum' }), pred(), dense(-3, 0));
  });

  it('reductions: sum = mean × count, with torch denominators for weights and ignored rows', () => {
    setBackend(name);
    const rng = new Rng(3);
    const p = (): Tensor => ({ data: rng.uniform(40, -2, 2), shape: [8, 5] });
    const x = p();
    const t = { data: rng.uniform(40, 0, 1), shape: [8, 5] };
    for (const [Mean, Sum, target, count] of [
      [new MSELoss(), new MSELoss({ reduction: 'sum' }), t, 40],
      [new L1Loss(), new L1Loss({ reduction: 'sum' }), t, 40],
      [new BCEWithLogitsLoss(), new BCEWithLogitsLoss({ reduction: 'sum' }), t, 40],
      [new KLDivLoss(), new KLDivLoss({ reduction: 'sum' }), t, 40],
      [new KLDivLoss({ reduction: 'batchmean' }), new KLDivLoss({ reduction: 'sum' }), t, 8],
      [new CrossEntropyLoss(), new CrossEntropyLoss({ reduction: 'sum' }), t, 8],
    ] as Array<[Loss, Loss, Target, number]>) {
      const m = Mean.forward(x, target);
      const s = Sum.forward(x, target);
      expect(m * count, Mean.name).toBeCloseTo(s, 4);
    }
    // Weighted labels: 'mean' divides by Σ w[y] over the rows not ignored.
    const w = f32([0.5, 1, 2, 1.5, 0.8]);
    const labels = i32([0, 4, -100, 2, 1, 3, -100, 4]);
    const denom = 0.5 + 0.8 + 2 + 1 + 1.5 + 0.8;
    for (const opts of [{ weight: w }, { weight: w, labelSmoothing: 0.2 }]) {
      const m = new CrossEntropyLoss(opts).forward(x, labels);
      const s = new CrossEntropyLoss({ ...opts, reduction: 'sum' }).forward(x, labels);
      expect(m * denom).toBeCloseTo(s, 4);
    }
    const m = new NLLLoss({ weight: w }).forward(x, labels);
    const s = new NLLLoss({ weight: w, reduction: 'sum' }).forward(x, labels);
    expect(m * denom).toBeCloseTo(s, 5);
    // Every row ignored: NaN for 'mean' (torch's 0/0) with a zero gradient.
    const g = new Float32Array(40).fill(7);
    expect(new CrossEntropyLoss().forward(x, new Int32Array(8).fill(-100), g)).toBeNaN();
    expect(g.every((v) => v === 0)).toBe(true);
  });

  it('the plain label path (fused kernel) equals the general one', () => {
    setBackend(name);
    const rng = new Rng(11);
    const x: Tensor = { data: rng.uniform(7 * 9, -3, 3), shape: [7, 9] };
    const labels = i32([0, 8, 3, 3, 5, 1, 7]);
    const g1 = new Float32Array(63);
    const g2 = new Float32Array(63);
    const a = new CrossEntropyLoss().forward(x, labels, g1);
    // All-ones class weights and an in-range ignoreIndex that never occurs take the general kernel.
    const b = new CrossEntropyLoss({ weight: new Float32Array(9).fill(1) }).forward(x, labels, g2);
    expect(b).toBeCloseTo(a, 6);
    for (let i = 0; i < 63; i++) expect(g2[i]).toBeCloseTo(g1[i], 6);
    // One-hot probabilities give the same loss and gradient as the labels.
    const onehot = new Float32Array(63);
    labels.forEach((y, r) => {
      onehot[r * 9 + y] = 1;
    });
    const g3 = new Float32Array(63);
    const c = new CrossEntropyLoss().forward(x, { data: onehot, shape: [7, 9] }, g3);
    expect(c).toBeCloseTo(a, 6);
    for (let i = 0; i < 63; i++) expect(g3[i]).toBeCloseTo(g1[i], 6);
  });

  it('NaN in predictions propagates (no error)', () => {
    setBackend(name);
    const x = t2(X);
    x.data[3] = Number.NaN;
    const g = new Float32Array(20);
    expect(new CrossEntropyLoss().forward(x, i32(LAB), g)).toBeNaN();
    expect(Number.isNaN(g[0])).toBe(true);
    expect(new CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(x, i32(LAB))).toBeNaN();
    expect(new CrossEntropyLoss().forward(x, t2(TP))).toBeNaN();
    const p = t2(P);
    p.data[0] = Number.NaN;
    for (const loss of [new MSELoss(), new L1Loss(), new HuberLoss(), new SmoothL1Loss()])
      expect(loss.forward(p, t2(T)), loss.name).toBeNaN();
    expect(new BCEWithLogitsLoss().forward(p, t2(BY))).toBeNaN();
    expect(new KLDivLoss().forward(p, t2(KT))).toBeNaN();
  });

  it('KL divergence: xlogy at zero targets, log targets agree with probabilities', () => {
    setBackend(name);
    const lp = t2(LP);
    const probs = t2(KT);
    // (With logTarget a target of −inf gives e^−inf·(−inf − x) = NaN, as in torch: compare
    // the log form on strictly positive probabilities.)
    const positive = { data: probs.data.map((t) => t || 0.01), shape: probs.shape };
    const logs = { data: positive.data.map(Math.log), shape: probs.shape };
    const g0 = new Float32Array(12);
    const g2 = new Float32Array(12);
    const a0 = new KLDivLoss({ reduction: 'sum' }).forward(lp, positive, g0);
    const b = new KLDivLoss({ reduction: 'sum', logTarget: true }).forward(lp, logs, g2);
    expect(b).toBeCloseTo(a0, 5);
    for (let i = 0; i < 12; i++) expect(g2[i]).toBeCloseTo(g0[i], 6);
    const g1 = new Float32Array(12);
    const a = new KLDivLoss({ reduction: 'sum' }).forward(lp, probs, g1);
    expect(Number.isFinite(a)).toBe(true);
    for (let i = 0; i < 12; i++) expect(g1[i]).toBeCloseTo(-probs.data[i], 6);
    // Direct formula Σ t·(log t − x), zero terms dropped.
    let want = 0;
    for (let i = 0; i < 12; i++) {
      const t = probs.data[i];
      if (t > 0) want += t * (Math.log(t) - lp.data[i]);
    }
    expect(a).toBeCloseTo(want, 5);
  });
});

describe.each([
  ['native', nativeUnderTest()],
  ['wasm', wasmUnderTest()],
] as [string, Kernels][])('fused loss kernels: %s vs js', (_name, native) => {
  const js: Kernels = jsKernels;
  const OFFSET = 3;
  const rand = (n: number, lo: number, hi: number, seed: number) => {
    const buf = new Float32Array(n + OFFSET + 5);
    js.rngUniform(seedState(seed), buf, lo, hi);
    return buf.subarray(OFFSET, OFFSET + n);
  };
  const view = (n: number) => new Float32Array(n + OFFSET + 2).subarray(OFFSET, OFFSET + n);
  const SHAPES: Array<[number, number]> = [
    [0, 3],
    [1, 1],
    [7, 5],
    [13, 16],
    [5, 17],
    [3001, 17],
    [40, 1000],
  ];

  it.each(SHAPES)('crossEntropyLabels and crossEntropyProbs, %i × %i', (rows, cols) => {
    const n = rows * cols;
    const x = rand(n, -6, 6, rows + cols);
    const w = rand(cols, 0.2, 2, 5);
    const labels = new Int32Array(rows + 2).subarray(1, rows + 1);
    labels.forEach((_, r) => {
      labels[r] = r % 11 === 4 ? -7 : (r * 7 + 3) % cols;
    });
    const t = rand(n, 0, 1, 9);
    for (const weight of [null, w]) {
      for (const eps of [0, 0.25]) {
        for (const [kind, run] of [
          [
            'labels',
            (k: Kernels, g: Float32Array | null) =>
              k.crossEntropyLabels(x, labels, weight, g, rows, cols, eps, -7, 0.5),
          ],
          [
            'probs',
            (k: Kernels, g: Float32Array | null) =>
              k.crossEntropyProbs(x, t, weight, g, rows, cols, eps, 0.5),
          ],
        ] as const) {
          const gj = view(n);
          const gn = view(n).fill(Number.NaN);
          const lj = run(js, gj);
          const ln = run(native, gn);
          // Terms are non-negative: relative to the total.
          expect(Math.abs(ln - lj), `${kind} loss`).toBeLessThanOrEqual(
            1e-5 * Math.abs(lj) + 1e-30,
          );
          expect(run(native, null), `${kind} loss without grad`).toBe(ln);
          // grad = 0.5·(p·Σa − a): |terms| ≤ 0.5·(Σa + a) ≤ 0.5·cols·2·2.
          const scale = 0.5 * (2 * (kind === 'probs' ? cols : 1) + 2);
          let bad = -1;
          for (let i = 0; i < n && bad < 0; i++)
            if (!(Math.abs(gn[i] - gj[i]) <= 1e-5 * (Math.abs(gj[i]) + scale * 1e-2))) bad = i;
          expect(bad, `${kind} w=${weight !== null} eps=${eps} grad[${bad}]`).toBe(-1);
        }
      }
    }
  });

  it.each([0, 1, 7, 17, 1023, 50_001])('bceWithLogits, length %i', (n) => {
    const x = rand(n, -30, 30, n + 1);
    if (n > 2) {
      x[0] = 100;
      x[1] = -100;
    }
    const y = rand(n, 0, 1, 2);
    const w = rand(n, 0, 2, 3);
    const pw = rand(n, 0.5, 3, 4);
    for (const [weight, posWeight] of [
      [null, null],
      [w, null],
      [null, pw],
      [w, pw],
    ] as const) {
      const gj = view(n);
      const gn = view(n).fill(Number.NaN);
      const lj = js.bceWithLogits(x, y, weight, posWeight, gj, 0.25);
      const ln = native.bceWithLogits(x, y, weight, posWeight, gn, 0.25);
      expect(Math.abs(ln - lj)).toBeLessThanOrEqual(1e-5 * Math.abs(lj) + 1e-30);
      expect(native.bceWithLogits(x, y, weight, posWeight, null, 0.25)).toBe(ln);
      let bad = -1;
      for (let i = 0; i < n && bad < 0; i++)
        if (!(Math.abs(gn[i] - gj[i]) <= 1e-5 * (Math.abs(gj[i]) + 0.25 * 2 * 3 * 1e-2))) bad = i;
      expect(bad, `grad[${bad}]`).toBe(-1);
    }
  });
});

describe.each(['js', 'native'] as BackendName[])('regularisation (%s)', (name) => {
  const build = () => {
    const model = new Model(new Sequential([new Linear(4, 3), new ReLU(), new Linear(3, 2)]), [4], {
      seed: 5,
    });
    const ps = model.parameters();
    const rng = new Rng(2);
    for (const p of ps) p.grad.set(rng.uniform(p.grad.length, -1, 1));
    ps[0].data[1] = 0; // sign(0) = 0
    return ps;
  };

  it('l1l2Penalty adds λ₁·sign(w) + λ₂·w to weight gradients and returns the penalty', () => {
    setBackend(name);
    const ps = build();
    const before = ps.map((p) => Float64Array.from(p.grad));
    const [l1, l2] = [0.01, 0.3];
    const pen = l1l2Penalty(ps, { l1, l2 });
    let want = 0;
    ps.forEach((p, j) => {
      for (let i = 0; i < p.data.length; i++) {
        const w = p.data[i];
        const add = p.regularize ? l1 * Math.sign(w) + l2 * w : 0;
        if (p.regularize) want += l1 * Math.abs(w) + 0.5 * l2 * w * w;
        expect(p.grad[i], `${p.name}[${i}]`).toBeCloseTo(before[j][i] + add, 6);
      }
    });
    expect(ps.map((p) => p.name)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(pen).toBeCloseTo(want, 6);
    // addGrad: false only reports.
    const snapshot = ps.map((p) => Float32Array.from(p.grad));
    expect(l1l2Penalty(ps, { l1, l2, addGrad: false })).toBeCloseTo(want, 6);
    ps.forEach((p, j) => {
      expect(p.grad).toEqual(snapshot[j]);
    });
  });

  it('per-layer and per-parameter overrides (longest key wins; an exact name reaches a bias)', () => {
    setBackend(name);
    const ps = build();
    const before = ps.map((p) => Float64Array.from(p.grad));
    const pen = l1l2Penalty(ps, {
      l2: 0.1,
      overrides: { '2': { l2: 0.5, l1: 0.2 }, '2.weight': { l1: 0 }, '0.bias': { l2: 1 } },
    });
    const coef: Record<string, [number, number]> = {
      '0.weight': [0, 0.1],
      '0.bias': [0, 1],
      '2.weight': [0, 0.1], // '2.weight' wins over '2'; missing l2 inherits the global 0.1
      '2.bias': [0, 0], // layer keys do not reach biases
    };
    let want = 0;
    ps.forEach((p, j) => {
      const [a, b] = coef[p.name];
      for (let i = 0; i < p.data.length; i++) {
        const w = p.data[i];
        want += a * Math.abs(w) + 0.5 * b * w * w;
        expect(p.grad[i], `${p.name}[${i}]`).toBeCloseTo(
          before[j][i] + a * Math.sign(w) + b * w,
          6,
        );
      }
    });
    expect(pen).toBeCloseTo(want, 6);
    expect(() => l1l2Penalty(ps, { l2: 0.1, overrides: { '3': { l2: 1 } } })).toThrow(
      /l1l2Penalty: overrides key "3" matches no parameter/,
    );
    expect(() => l1l2Penalty(ps, { l2: -1 })).toThrow(RangeError);
    expect(() => l1l2Penalty(ps, { l3: 1 } as never)).toThrow(/unknown option "l3"/);
  });

  it('maxNormConstraint renormalises each unit to norm ≤ maxNorm (Keras MaxNorm formula)', () => {
    setBackend(name);
    const keras = (w: Float64Array, max: number) => {
      const n = Math.hypot(...w);
      return w.map((v) => (v * Math.min(n, max)) / (1e-7 + n));
    };
    // A Linear weight [out 3, in 4]: rows of norm 5, 1 and 0.
    const lin: LayerParam = {
      name: '0.weight',
      shape: [3, 4],
      data: f32([3, 4, 0, 0, 0.6, 0, 0.8, 0, 0, 0, 0, 0]),
      grad: new Float32Array(12),
      regularize: true,
    };
    // A conv weight [out 2, in 3, 2, 2]; and a bias, which is left alone.
    const conv: LayerParam = {
      name: '1.weight',
      shape: [2, 3, 2, 2],
      data: new Rng(4).uniform(24, -2, 2),
      grad: new Float32Array(24),
      regularize: true,
    };
    const bias: LayerParam = {
      name: '1.bias',
      shape: [2],
      data: f32([10, -10]),
      grad: new Float32Array(2),
      regularize: false,
    };
    const linWant = [0, 1, 2].map((r) =>
      keras(Float64Array.from(lin.data.subarray(4 * r, 4 * r + 4)), 2),
    );
    const convWant = [0, 1].map((r) =>
      keras(Float64Array.from(conv.data.subarray(12 * r, 12 * r + 12)), 2),
    );
    const convOver = [0, 1].filter(
      (r) => Math.hypot(...conv.data.subarray(12 * r, 12 * r + 12)) > 2,
    ).length;
    const clipped = maxNormConstraint([lin, conv, bias], 2);
    expect(clipped).toBe(1 + convOver);
    linWant.forEach((row, r) => {
      row.forEach((v, c) => expect(lin.data[4 * r + c]).toBeCloseTo(v, 6));
    });
    convWant.forEach((f, r) => {
      f.forEach((v, c) => expect(conv.data[12 * r + c]).toBeCloseTo(v, 6));
      expect(Math.hypot(...conv.data.subarray(12 * r, 12 * r + 12))).toBeLessThanOrEqual(2 + 1e-5);
    });
    expect(Array.from(lin.data.subarray(0, 4))).toEqual([
      expect.closeTo(1.2, 6),
      expect.closeTo(1.6, 6),
      0,
      0,
    ]);
    expect(Array.from(bias.data)).toEqual([10, -10]);
    // dim = -1: the columns of [3, 4] are the units.
    const cols: LayerParam = { ...lin, data: f32([3, 0, 0, 1, 4, 0, 0, 1, 0, 0.5, 0, 1]) };
    maxNormConstraint([cols], 1.5, { dim: -1 });
    const colNorm = (c: number) => Math.hypot(cols.data[c], cols.data[4 + c], cols.data[8 + c]);
    expect(colNorm(0)).toBeCloseTo(1.5, 5);
    expect(colNorm(1)).toBeCloseTo(0.5, 5);
    expect(colNorm(3)).toBeCloseTo(1.5, 5);
    expect(() => maxNormConstraint([lin], 2, { dim: 2 })).toThrow(
      /maxNormConstraint: dim 2 is out of range for parameter 0.weight of shape \[3, 4\]/,
    );
    expect(() => maxNormConstraint([lin], -1)).toThrow(RangeError);
  });
});

describe.each(['js', 'native'] as BackendName[])('metrics (%s)', (name) => {
  // Hand-checked: argmax per row = [1, 0, 2, 0] (row 3 ties 0.5/0.5: the first wins).
  const logits = t2([
    [0.1, 0.9, 0.0],
    [0.8, 0.1, 0.1],
    [0.2, 0.2, 0.6],
    [0.5, 0.5, 0.0],
  ]);
  const labels = i32([1, 1, 2, 1]);

  it('accuracy, top-k, MAE and the confusion matrix', () => {
    setBackend(name);
    expect(accuracy(logits, labels)).toBe(0.5);
    // Scores strictly above the label's: [0, 1, 0, 0] (ties count as hits).
    expect(topKAccuracy(logits, labels, 1)).toBe(0.75);
    expect(topKAccuracy(logits, labels, 2)).toBe(1);
    expect(topKAccuracy(logits, i32([2, 2, 0, 2]), 2)).toBe(0.5);
    const withNaN = t2([[Number.NaN, 1, 2]]);
    expect(topKAccuracy(withNaN, i32([0]), 3)).toBe(0);
    expect(topKAccuracy(withNaN, i32([1]), 2)).toBe(1);
    expect(
      meanAbsoluteError(
        { data: f32([1, 2, 3, 4]), shape: [4] },
        { data: f32([1.5, 2, 2, 5]), shape: [4] },
      ),
    ).toBeCloseTo(0.625, 7);
    const cm = confusionMatrix(logits, labels, 3);
    expect(Array.from(cm)).toEqual([0, 0, 0, 2, 1, 0, 0, 0, 1]);
    expect(Array.from(confusionMatrix(i32([1, 0, 2, 0]), labels, 3))).toEqual(Array.from(cm));
    // A larger batch on the kernel path agrees with a direct count.
    const rng = new Rng(8);
    const big: Tensor = { data: rng.uniform(300 * 10, -1, 1), shape: [300, 10] };
    const lab = Int32Array.from({ length: 300 }, (_, i) => (i * 7) % 10);
    let hits3 = 0;
    for (let r = 0; r < 300; r++) {
      const s = big.data[r * 10 + lab[r]];
      let above = 0;
      for (let c = 0; c < 10; c++) if (big.data[r * 10 + c] > s) above++;
      if (above < 3) hits3++;
    }
    expect(topKAccuracy(big, lab, 3)).toBe(hits3 / 300);
  });

  it('metrics refuse bad labels and shapes', () => {
    setBackend(name);
    expect(() => accuracy(logits, i32([1, 3, 0, 0]))).toThrow(
      /accuracy: labels\[1\] = 3 is out of range/,
    );
    expect(() => topKAccuracy(logits, labels, 0)).toThrow(RangeError);
    expect(() => accuracy(logits, i32([1, 2]))).toThrow(
      /labels of shape \[2\] do not match logits of shape \[4, 3\]/,
    );
    expect(() => confusionMatrix(logits, labels, 4)).toThrow(RangeError);
    expect(() => confusionMatrix(i32([0, 5, 0, 0]), labels, 3)).toThrow(/pred\[1\] = 5/);
    expect(() =>
      meanAbsoluteError({ data: f32([1, 2]), shape: [2] }, { data: f32([1, 2]), shape: [1, 2] }),
    ).toThrow(/target shape \[1, 2\] does not match prediction shape \[2\]/);
  });
});

describe('bad input', () => {
  it('labels out of range name the loss, the index and the value', () => {
    for (const loss of [
      new CrossEntropyLoss(),
      new CrossEntropyLoss({ weight: f32(W) }),
      new NLLLoss(),
    ]) {
      expect(() => loss.forward(t2(X), i32([1, 5, 0, 2]))).toThrow(RangeError);
      expect(() => loss.forward(t2(X), i32([1, 0, -1, 2]))).toThrow(
        new RegExp(`${loss.name}: label out of range: target\\[2\\] = -1`),
      );
      expect(() => loss.forward(t2(X), i32([1, 5, 0, 2]))).toThrow(/target\[1\] = 5/);
    }
    // -100 is ignored by default, not out of range; with another ignoreIndex it is refused.
    expect(() => new CrossEntropyLoss().forward(t2(X), i32([1, -100, 0, 2]))).not.toThrow();
    expect(() =>
      new CrossEntropyLoss({ ignoreIndex: 3 }).forward(t2(X), i32([1, -100, 0, 2])),
    ).toThrow(/target\[1\] = -100/);
  });

  it('shape mismatches name both shapes', () => {
    expect(() =>
      new MSELoss().forward(
        t2(P),
        t2([
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
          [1, 2, 3],
        ]),
      ),
    ).toThrow(/MSELoss: target shape \[4, 3\] does not match prediction shape \[3, 4\]/);
    expect(() => new CrossEntropyLoss().forward(t2(X), t2(P))).toThrow(
      /CrossEntropyLoss: target shape \[3, 4\] does not match prediction shape \[4, 5\]/,
    );
    expect(() => new CrossEntropyLoss().forward(t2(X), i32([1, 2, 3]))).toThrow(
      /CrossEntropyLoss: target labels of shape \[3\] do not match prediction shape \[4, 5\]/,
    );
    expect(() =>
      new CrossEntropyLoss().forward({ data: new Float32Array(6), shape: [6] }, i32([1])),
    ).toThrow(/expected a prediction of shape \[batch, classes\]/);
    expect(() => new MSELoss().forward(t2(P), i32([1, 2, 3]))).toThrow(TypeError);
    expect(() => new NLLLoss().forward(t2(X), t2(TP))).toThrow(TypeError);
    expect(() => new CrossEntropyLoss({ weight: f32([1, 2]) }).forward(t2(X), i32(LAB))).toThrow(
      /CrossEntropyLoss: argument weight must have length 5/,
    );
    expect(() =>
      new BCEWithLogitsLoss({ posWeight: f32([1, 2, 3]) }).forward(t2(BX), t2(BY)),
    ).toThrow(
      /BCEWithLogitsLoss: posWeight has length 3, expected the prediction's 12 elements or its last dimension 4/,
    );
  });

  it('gradient buffers of the wrong length or aliasing an input are refused', () => {
    const p = t2(P);
    expect(() => new MSELoss().forward(p, t2(T), new Float32Array(5))).toThrow(
      /MSELoss: argument grad must have length 12/,
    );
    expect(() => new MSELoss().forward(p, t2(T), p.data)).toThrow(/grad overlaps the prediction/);
    const x = t2(X);
    expect(() => new CrossEntropyLoss().forward(x, i32(LAB), x.data)).toThrow(RangeError);
  });

  it('bad options name the loss and the option', () => {
    expect(() => new HuberLoss({ delta: 0 })).toThrow(/HuberLoss: delta must be positive/);
    expect(() => new SmoothL1Loss({ beta: -1 })).toThrow(/SmoothL1Loss: beta must be non-negative/);
    expect(() => new CrossEntropyLoss({ labelSmoothing: 1.5 })).toThrow(
      /CrossEntropyLoss: labelSmoothing must be in \[0, 1\]/,
    );
    expect(() => new CrossEntropyLoss({ ignoreIndex: 0.5 })).toThrow(RangeError);
    expect(() => new MSELoss({ reduction: 'nine' as never })).toThrow(
      /MSELoss: reduction must be one of mean, sum, none.*did you mean "none"/,
    );
    // 'none' is for the tensor API: the number API says where to find it.
    const p = { data: f32([1, 2]), shape: [2] };
    expect(() => new MSELoss({ reduction: 'none' }).forward(p, p)).toThrow(
      /MSELoss.forward: reduction 'none' gives a tensor of unreduced losses, not a number; use loss.apply\(pred, target\)/,
    );
    expect(() => new KLDivLoss({ reduction: 'batchmaen' as never })).toThrow(
      /did you mean "batchmean"/,
    );
    expect(() => new CrossEntropyLoss({ label_smoothing: 0.1 } as never)).toThrow(
      /did you mean "labelSmoothing"/,
    );
    expect(() => new BCEWithLogitsLoss({ weight: [1, 2] as never })).toThrow(TypeError);
  });

  it('reports the worst deviation from torch (both backends ran above)', () => {
    for (const [name, w] of Object.entries(worstVsTorch)) {
      expect(w.err, `${name}: worst ${w.where}`).toBeLessThanOrEqual(2e-6);
      if (process.env.LOSS_REPORT)
        console.log(`${name}: worst rel. error vs torch ${w.err.toExponential(2)} (${w.where})`);
    }
  });
});
