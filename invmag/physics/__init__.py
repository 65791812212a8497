"""Micromagnetic engine: material, field terms, minimizer, demagnetization curves, anchors."""
