"""Meeting mode: a full-screen model-health board with a traffic simulator."""
