"""Admission service: candidatures across the OG's ESMS, the waiting list, admission into a séjour, sortie."""
