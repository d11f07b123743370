"""The shared UI layer: what every lab's page uses and no lab owns."""
