"""The MLP lab: a small network learning 2-D data, TensorFlow-Playground style."""
