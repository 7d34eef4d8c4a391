"""The Test page: reports against the gate, slices, behavioural tests, exports."""
