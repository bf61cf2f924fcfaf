"""Batch grading support: scores, weights and the results file of ``gradcheck grade``."""
