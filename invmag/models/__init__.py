"""Learned surrogate (SPEC 5, paper 3): VAE of grain structures, latent regressor of anchors."""
