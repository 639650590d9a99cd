"""Dataset specs: every spec model, validated with errors that name the field. No runtime imports."""
