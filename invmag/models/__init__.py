"""Learned surrogate (paper 3, docs/learning.md): VAE of grain structures, latent regressor of
anchors."""
