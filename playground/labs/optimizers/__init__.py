"""The optimizer lab: optimizers racing on 2-D loss surfaces."""
