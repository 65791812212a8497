"""Learned surrogate (docs/conventions.md, paper 3): VAE of grain structures, latent regressor of anchors."""
