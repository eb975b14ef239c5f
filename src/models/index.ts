/**
 * Generative models on the tape, each with its own training step: an autoencoder, a
 * variational autoencoder (ELBO with its reconstruction and KL parts, KL warm-up) and a GAN
 * (non-saturating loss, separate optimizers for generator and discriminator), with MLP and
 * convolutional architectures built in (a conv autoencoder, the DCGAN for 28×28 images); and the
 * 8-Gaussian ring that tests a GAN's mode coverage.
 */
export { Autoencoder, type AutoencoderOptions, type ReconstructionLoss } from './autoencoder.js';
export { GAN, type GANOptions, type GANStep, type GeneratorOutput } from './gan.js';
export type { ACTIVATIONS, HiddenActivation, OptimizerClass, OptimizerSpec } from './options.js';
export { type Coverage, EightGaussians, type EightGaussiansOptions } from './rings.js';
export { type Likelihood, VAE, type VAEOptions, type VAEStep, type VAETerms } from './vae.js';
