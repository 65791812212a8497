"""Data layer: grain structures, run configs, HDF5 sample files and label generation."""
