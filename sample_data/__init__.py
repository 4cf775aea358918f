"""Synthetic, seeded sample data for the outcomes dashboard (not real figures).

Build with ``python -m sample_data.generate`` or :func:`sample_data.generate.build`.
"""
