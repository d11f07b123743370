"""Captions (``playground.ui.caption``): what a figure's caption says of its settings."""

from playground.ui import caption


def test_a_schedules_caption_says_the_settings_that_schedule_reads():
    settings = {"every": 50, "factor": 2, "gamma": 0.99}
    said = {kind: caption.schedule(kind, "schedule", settings, "en")
            for kind in ("constant", "step", "inverse_time", "cosine", "exponential")}
    assert said["constant"] == ""
    assert said["step"].endswith(", N = 50, k = 2")
    assert said["inverse_time"].endswith(", N = 50") and "k =" not in said["inverse_time"]
    assert said["exponential"].endswith(", γ = 0.99") and "N =" not in said["exponential"]
    # Cosine's length is the run's in the optimizer lab (its option says so), the N box's
    # in the MLP lab, said then.
    assert not any(f"{s} =" in said["cosine"].split(":", 1)[1] for s in ("N", "k", "γ"))
    mlp = caption.schedule("cosine", "mlp.schedule", settings, "en", cosine_length=50)
    assert mlp.endswith(", T = 50")
