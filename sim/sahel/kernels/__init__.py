"""The Sahel model's numba kernels (arrays in, arrays out), each beside its plain-Python twin."""
