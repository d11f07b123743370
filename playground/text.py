"""Every piece of text users read, keyed by language.

One table per language with the same keys (English here, Simplified Chinese in
``text_zh``); ``tr(key, lang)`` looks a key up and falls back to English, so a missing
translation shows English, never a key.
Formulas are LaTeX and shared by all languages (they live with the numerics).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from .text_zh import ZH

DEFAULT_LANGUAGE = "en"
#: The languages a page can show: link code → the name a language switch shows (each
#: language's name in itself).
LANGUAGES: Mapping[str, str] = MappingProxyType({"en": "English", "zh": "简体中文"})
#: The fonts every text is drawn in (CSS), in the live page, its static copy and the
#: figures: the system's, then one with Chinese (without one it shows as empty boxes).
FONT_STACK = ('system-ui, "Segoe UI", Roboto, "Noto Sans CJK SC", "PingFang SC", '
              '"Microsoft YaHei", sans-serif')

_EN: dict[str, str] = {
    "app.title": "Neural network playground",
    "app.lab": "Lab",
    "app.loading_lab": "Loading the lab…",
    "app.dark": "Dark",
    "app.present": "Lecture mode",
    "app.sidebar": "Controls",
    "app.controls_below": "Controls ↓",
    "app.pictures_above": "Pictures ↑",
    "present.zoom_hint": (
        "Lecture mode is sized for a 1280-pixel-wide screen. On this wider one, zoom the "
        "browser to 150 % (Ctrl and +, or ⌘ and + on a Mac) for text and pictures at "
        "their size."),
    "present.zoom_hint.close": "Close this hint",
    "app.language": "Language",
    "app.copy_link": "Copy link",
    "app.link_copied": "Link copied",
    "lab.optimizers": "Optimizers",
    "lab.optimizers.blurb": "Optimizers racing on 2-D loss surfaces",

    # Surfaces: names and what each one teaches.
    "surface": "Loss surface",
    "surface.ravine.name": "Ravine (ill-conditioned bowl)",
    "surface.ravine.lesson": (
        "A long, thin bowl: 40 times steeper across than along. The gradient points "
        "across the valley, so plain gradient descent zig-zags from wall to wall and "
        "crawls along the floor. Momentum averages the zig-zag away; Adam and RMSProp "
        "rescale each direction."),
    "surface.rosenbrock.name": "Rosenbrock (curved valley)",
    "surface.rosenbrock.lesson": (
        "Finding the curved valley is easy; following its flat, bending floor to the "
        "minimum at (1, 1) is hard. Watch who gets there, and how many steps it takes."),
    "surface.himmelblau.name": "Himmelblau (four minima)",
    "surface.himmelblau.lesson": (
        "Four minima of equal depth, a maximum and four saddles. Which minimum an "
        "optimizer reaches depends on where it starts and how it moves: click the plot "
        "to try other starts."),
    "surface.beale.name": "Beale (flat plains, sharp edges)",
    "surface.beale.lesson": (
        "Very flat near the minimum at (3, 0.5) and enormously steep at the corners: "
        "one learning rate cannot suit both, which is where adaptive methods shine."),
    "surface.rastrigin.name": "Rastrigin (many local minima)",
    "surface.rastrigin.lesson": (
        "A bowl covered in bumps: every optimizer with a small step gets caught in the "
        "nearest local minimum. Noise or a bigger step can hop between basins."),
    "surface.saddle.name": "Saddle point",
    "surface.saddle.lesson": (
        "A strict saddle at (0, 0): a minimum along y, a maximum along x. Starting just "
        "off the ridge, gradient descent first slides towards the saddle, stalls where "
        "the gradient is almost zero, then escapes to a minimum at (±1, 0). Start "
        "exactly on x = 0 and it never escapes, unless noise pushes it off."),
    "surface.plateau.name": "Plateau (vanishing gradient)",
    "surface.plateau.lesson": (
        "A wide, nearly flat mesa around one basin. The gradient out there is tiny, so "
        "plain gradient descent crawls; methods that divide by the gradient's size "
        "(RMSProp, Adam) take full-sized steps anyway."),
    "surface.custom.name": "Custom: type a formula",
    "surface.custom.lesson": (
        "Your own surface in x and y, drawn over [−3, 3]² (wider to show a start or a run "
        "outside it). Allowed: numbers, x, y, pi, "
        "e, + − * / ** (or ^; pasted maths too: −, ×, ·, ÷, π, √, x², x⁻¹, e⁻ˣ, ½, and the "
        "full-width brackets, commas and signs a Chinese input method types), and the "
        "functions "
        "{functions}. At a kink the gradient is "
        "the subgradient of smallest norm, read from the slopes on every side of it: 0 for "
        "|x| at x = 0 (sign(0) = 0, as in PyTorch), for √(x² + y²) at the origin, for "
        "max(a, b) and min(a, b) where a = b and the slopes cancel, and for |x| + x/2 at "
        "x = 0 (its slopes −1/2 and 3/2 enclose 0); the same for every way of writing the "
        "function. Where the slope is infinite (√x at x = 0) the gradient is undefined and "
        "that optimizer stops."),
    "surface.expression": "f(x, y) =",
    "surface.expression.error": "Cannot use this formula: {error}",
    "surface.expression.compiling": "Compiling the formula…",
    "surface.not_finite": "The surface is infinite at the start point ({x}, {y}).",
    "surface.not_finite.remedy": (
        "Click the plot to start elsewhere, or change the formula (1/0 is infinite "
        "everywhere)."),
    "surface.undefined": (
        "The surface is not defined at the start point ({x}, {y}): its value there is NaN "
        "(the root or logarithm of a negative number, 0/0, ∞ − ∞)."),
    "surface.undefined.remedy": (
        "Click the plot where the surface is drawn to start there, or change the formula."),
    "surface.nowhere.remedy": (
        "It has no finite value anywhere in view either: change the formula."),

    # Why a typed formula was refused (numerics.expression.ExpressionError, by code: the
    # English is the same as that module's MESSAGES, which a test checks).
    "expr.not_text": "the expression must be text",
    "expr.too_long": "expression too long (max {max} characters)",
    "expr.empty": "empty expression; type a formula in x and y, e.g. x**2 + y**2",
    "expr.too_many_tokens": "expression too long (max {max} tokens) at position {position}",
    "expr.unexpected_character": (
        "unexpected character {character} at position {position}; "
        "allowed are letters, digits, spaces and + - * / ^ ( ) , ."),
    "expr.unexpected_dot": (
        "unexpected character '.' at position {position}; "
        "'.' may only appear inside a number such as 0.5"),
    "expr.non_ascii": (
        "unexpected character {character} at position {position}; "
        "allowed are plain ASCII characters, and − × · ÷ π √ ² ⁻¹ ˣ ½ as pasted maths"),
    "expr.malformed_number": "malformed number '{text}' at position {position}",
    "expr.implicit_product": (
        "'{text}' at position {position}: write {written} (a product needs its *)"),
    "expr.absolute_bars": "'|' at position {position}: write abs(x) for |x|",
    "expr.ambiguous_root": (
        "'√' at position {position} is followed by a power: write √(x²) for the root of "
        "a power, or (√x)² for the power of a root"),
    "expr.number_too_large": (
        "number '{text}' at position {position} is too large (the largest is about 1.8e308)"),
    "expr.unmatched_close": "unmatched ')' at position {position}",
    "expr.expected_operator": (
        "unexpected '{token}' at position {position}; "
        "expected an operator such as + - * / or ** (a product needs its *)"),
    "expr.expected_operand": (
        "unexpected '{token}' at position {position}; "
        "expected a number, x, y, a constant, a function or '('"),
    "expr.expected_operand_end": (
        "unexpected end of expression at position {position}; "
        "expected a number, x, y, a constant, a function or '('"),
    "expr.unknown_name": (
        "unknown name '{name}' at position {position}; "
        "allowed: {names} and the functions {functions}"),
    "expr.needs_parentheses": (
        "function '{name}' needs parentheses at position {position}; write {name}(...)"),
    "expr.one_argument": "{name}() takes 1 argument but got {count} at position {position}",
    "expr.arguments": (
        "{name}() takes {expected} arguments but got {count} at position {position}"),
    "expr.missing_close": "missing ')' for the '(' at position {position}",
    "expr.expected_close": (
        "unexpected '{token}' at position {position}; "
        "expected ')' to close the '(' at position {opening}"),
    "expr.too_deep": "expression nested too deeply (max {max} levels) at position {position}",
    "expr.too_many_kinks": (
        "too many of |·|, max, min, √ and fractional powers nested inside each other "
        "(max {max})"),

    # Optimizers.
    "optimizer.sgd": "SGD",
    "optimizer.momentum": "Momentum",
    "optimizer.nesterov": "Nesterov",
    "optimizer.adagrad": "AdaGrad",
    "optimizer.rmsprop": "RMSProp",
    "optimizer.adam": "Adam",
    "optimizers": "Optimizers",
    "optimizers.none": "Select at least one optimizer to race.",
    "race.diverged_hint": (
        "Diverged: {names}. Each step overshot further than the last and the loss grew; "
        "a smaller α (in the optimizer's card) keeps the run on the surface."),
    "race.outside_hint": (
        "Left the formula's domain: {names}. A step landed where L has no value (as √x "
        "for x < 0); a smaller α takes smaller steps."),
    "race.unbounded_hint": (
        "Ran away downhill: {names}. The loss fell without bound: the surface goes down "
        "for ever the way it went. If it has a valley elsewhere (a local minimum), a "
        "smaller α or another start may stay in it; if not (x·y), no α will."),
    "optimizer.momentum.note": (
        "Some courses write v ← μv + (1−μ)g: the same steps as this rule with α(1−μ) "
        "for α, so that form needs α/(1−μ) to step as far."),
    "optimizer.nesterov.note": "The gradient is taken at θ, then corrected by the look-ahead μv.",
    "optimizer.adagrad.note": (
        "s only grows, so each coordinate's step size α/(√s + ε) keeps shrinking. g², √ "
        "and ⊘ (division) act coordinate by coordinate."),
    "optimizer.rmsprop.note": (
        "Like AdaGrad, but s is a moving average: each step keeps a share ρ of it. g², √ "
        "and ⊘ (division) act coordinate by coordinate."),
    "optimizer.adam.note": (
        "Momentum plus RMSProp plus bias correction. g², √ and ⊘ (division) act "
        "coordinate by coordinate."),
    "optimizer.no_bias_correction": "Bias correction off: m̂ = m, v̂ = v.",
    "hp.lr": "learning rate α",
    "hp.mu": "momentum μ",
    "hp.rho": "decay ρ",
    "hp.beta1": "β₁",
    "hp.beta2": "β₂",
    "hp.eps": "ε",
    "hp.bias_correction": "bias correction",

    # Run settings.
    "run": "Run",
    "start": "Start point (click the plot to move it)",
    "start.x": "x₀",
    "start.y": "y₀",
    "steps": "Steps",
    "noise": "Gradient noise σ",
    "noise.help": "g̃ = ∇L + σξ, ξ ~ N(0, I): simulates mini-batch noise (same ξ for all).",
    "seed": "Seed",
    "schedule": "Learning-rate schedule",
    "schedule.constant": "constant: αₜ = α",
    "schedule.step": "step: divide by k every N steps",
    "schedule.exponential": "exponential: αₜ = α·γᵗ⁻¹",
    "schedule.inverse_time": "1/t: αₜ = α / (1 + (t−1)/N)",
    "schedule.cosine": "cosine: αₜ = α(1 + cos(π(t−1)/T))/2, T = steps",
    "schedule.every": "N (steps)",
    "schedule.factor": "k (divide by)",
    "schedule.gamma": "γ (per step)",
    "clip": "Gradient clipping",
    "clip.none": "none",
    "clip.value": "by value: gᵢ ← clip(gᵢ, −c, c)",
    "clip.norm": "by norm: g ← g·min(1, c/‖g‖)",
    "clip.value_label": "c",
    "view": "View",
    "view.log_loss": "Log-scale loss chart",
    "view.arrows": "Arrows (gradient, velocity, step)",
    "view.paths": "Full paths (faint)",
    "view.3d": "3-D view",
    "view.3d.azimuth": "turn (drag the picture)",
    "view.3d.elevation": "tilt",
    "view.3d.loss_log": "L(θ), log scale",
    "reset": "Reset to the surface's defaults",
    "speed": "Steps per frame",

    # Plots and readouts.
    "plot.surface": "Loss surface and trajectories",
    "plot.surface.short": "Loss surface",
    "plot.loss": "Loss vs step",
    "plot.loss.log": "L − Lₘᵢₙ (log scale)",
    "plot.loss.linear": "L(θ)",
    "plot.step": "step t",
    "plot.axis.x": "x",
    "plot.axis.y": "y",
    "plot.start": "start",
    "plot.arrows_scale": "arrows drawn ×{scale}",
    "plot.arrows_true": "arrows at their true length",
    "plot.arrows_longer": "arrows ×{scale}",
    "plot.arrows_shorter": "arrows {scale} × shorter",
    # The tooltips of a plot's toolbar buttons (Bokeh's own words in English).
    "plot.tool.pan": "Pan",
    "plot.tool.wheel_zoom": "Wheel Zoom",
    "plot.tool.box_zoom": "Box Zoom",
    "plot.tool.reset": "Reset",
    "plot.tool.save": "Save",
    "plot.tool.hover": "Hover",
    "plot.tool.tap": "Tap",
    "plot.tool.fullscreen": "Fullscreen",
    "plot.arrows_legend": (
        "dotted: −αg, plain GD's step; dashed: −αv, the velocity (Adam's: −αm̂); "
        "solid: the step taken"),
    "plot.arrow.gradient": "−α∇L (plain GD step)",
    "plot.arrow.velocity": "−α·v (velocity / m̂)",
    "plot.arrow.step": "actual step Δθ",
    "headline.loss_of": "L ({optimizer})",
    "headline.diverged": "diverged",
    "headline.outside": "left its domain",
    "headline.undefined": "no gradient",
    "readout.title": "State at step {step}",
    # After the state table's title: how the arrows are drawn, and what each one is.
    "readout.caption": "({zoom}; {legend})",
    "readout.theta": "θ",
    "readout.loss": "L",
    "readout.grad": "g",
    "readout.g_note.noise": (
        "Here g is the gradient the update used: g̃ = ∇L + σξ with σ = {noise}, ξ drawn "
        "afresh at each step (the same for every optimizer). The critical-point check "
        "gives ∇L itself."),
    "readout.g_note.clip": (
        "Here g is the gradient the update used: ∇L clipped ({clipping}). The "
        "critical-point check gives ∇L itself; the dotted arrow is −α times the clipped g."),
    "readout.g_note.both": (
        "Here g is the gradient the update used: g̃ = ∇L + σξ with σ = {noise} (ξ drawn "
        "afresh at each step, the same for every optimizer), then clipped ({clipping}). "
        "The critical-point check gives ∇L itself."),
    "readout.grad_undefined": "undefined (infinite slope)",
    "readout.row_step": "at step {step}, its last",
    "readout.subgradient": "a kink: the minimum-norm subgradient",
    "readout.velocity": "velocity v / m̂ after the update",
    "readout.effective_lr": "α per dimension of the update",
    "run.lr_zero": (
        "The learning-rate schedule brings α to 0 at step {step}: from there on no optimizer "
        "moves. Choose a smaller k, a larger N or γ, or another schedule."),
    "formula.at_step": (
        "The update from step {step} to step {next}, with the recorded numbers: the state "
        "before it on the right, after it on the left (the state table's v / m̂ at step "
        "{step})."),
    "formula.at_step.again": "The update from step {step} to step {next}, as above.",
    # The player at the last step: the run takes no further update, but the state table
    # and the arrows show the one it would take, and so does the card.
    "formula.at_last_step": (
        "The run ends at step {step}: this is the update a further step would make, from "
        "step {step} to step {next}, with its numbers (the state table's v / m̂ and the "
        "arrows at step {step} are this update's)."),
    # (Cosine reaches α = 0 after its T steps: the further step's numbers move nothing.)
    "formula.schedule_ended": (
        " The cosine schedule has come down to α = 0 at step {next} (T = {steps}): press ← "
        "for an update that still moves."),
    "status.diverged": "diverged at step {step}",
    "status.undefined": "gradient undefined at step {step}",
    "status.outside": "no value at step {step} (outside the formula's domain)",
    "status.converged": "L = {loss}",
    # One optimizer in the race's legend: its name and how its run ended.
    "plot.legend_item": "{optimizer}: {status}",
    "formulas": "Update rules (with your values)",
    "critical": "Critical-point check",
    "critical.at_start": "At the start point",
    "critical.at_stopped_iterate": (
        "At {optimizer}'s last iterate, step {step} (its gradient is undefined there: it "
        "stopped)"),
    "critical.at_iterate": "At {optimizer}'s iterate, step {step}",
    "critical.at_last_iterate": (
        "At {optimizer}'s last finite iterate, step {step} (it diverged at step {diverged})"),
    "critical.at_last_iterate_outside": (
        "At {optimizer}'s last iterate, step {step} (step {diverged} left the formula's "
        "domain)"),
    "critical.gradient": "gradient",
    "critical.subgradient": "A kink: the gradient shown is the minimum-norm subgradient.",
    "critical.eigenvalues": "Hessian eigenvalues",
    "critical.verdict.minimum": "local minimum (all eigenvalues > 0)",
    "critical.verdict.maximum": "local maximum (all eigenvalues < 0)",
    "critical.verdict.saddle": "saddle (eigenvalues of both signs)",
    "critical.verdict.degenerate": "degenerate (a zero eigenvalue: the test cannot decide)",
    "critical.verdict.minimum.short": "local minimum",
    "critical.verdict.maximum.short": "local maximum",
    "critical.verdict.saddle.short": "saddle",
    "critical.verdict.degenerate.short": "degenerate",
    # The analysis of a point: its values, and the line of a point where L is not finite.
    "critical.values_no_hessian": "{gradient} = ({gx}, {gy}); the Hessian is undefined here",
    "critical.values": "{gradient} = ({gx}, {gy}), {eigenvalues} = {e1}, {e2}",
    "critical.not_finite_line": "**{title}** ({x}, {y}): L is infinite here.",
    "critical.undefined_line": "**{title}** ({x}, {y}): L is not defined here (NaN).",
    "critical.undefined_gradient_line": (
        "**{title}** ({x}, {y}): L = {loss}; the gradient is undefined here (an infinite "
        "slope), so no optimizer can take a step from this point."),
    "critical.is_critical_degenerate": (
        "∇L = 0: a critical point, of a kind the second-derivative test cannot tell (a zero "
        "eigenvalue)"),
    "critical.is_critical_kink": (
        "0 is a subgradient here: a critical point at a kink, where the second-derivative "
        "test does not apply"),
    "critical.is_critical": "∇L = 0: a critical point, a {verdict}",
    "critical.not_critical": "∇L ≠ 0: not a critical point; the curvature here is {shape}",
    # The local shape that the Hessian's eigenvalues describe away from a critical point.
    "critical.shape.minimum": "a bowl's (both eigenvalues > 0)",
    "critical.shape.maximum": "a dome's (both eigenvalues < 0)",
    "critical.shape.saddle": "a saddle's (eigenvalues of both signs)",
    "critical.shape.degenerate": "flat in one direction (a zero eigenvalue)",
    "critical.shape.flat": "flat in every direction (both eigenvalues 0: a plane here)",
    "critical.shape.undefined": "unknown: the Hessian is undefined here",
    "critical.points": (
        "Critical points of this surface (hover a marker for its Hessian's eigenvalues):"),
    "critical.points.none": "No critical point of this surface was found near its view.",
    "critical.while_playing": "The analysis at the iterate shown follows when you pause.",
    # The MLP lab.
    "lab.mlp": "Neural network",
    "mlp.presets": "Quick examples",
    "mlp.preset.default": "Start over",
    "mlp.preset.overfit": "Over-fitting",
    "mlp.preset.underfit": "Under-fitting",
    "mlp.presets.hint": (
        "Each sets up a fresh network: press ▶ Play and watch the curves. Step-by-step "
        "lessons with captions: Guided lessons, at the foot of this column."),
    "mlp.remedies": "The over-fitting lesson, cured by:",
    "mlp.preset.overfit_dropout": "+ dropout",
    "mlp.preset.overfit_l2": "+ L2",
    "mlp.preset.overfit_early_stop": "+ early stopping",
    "mlp.data": "Data",
    "mlp.dataset": "Data set",
    "mlp.dataset.circle": "Circle",
    "mlp.dataset.xor": "Exclusive or (XOR)",
    "mlp.dataset.gaussian": "Two Gaussians",
    "mlp.dataset.spiral": "Spiral",
    "mlp.dataset.moons": "Two moons",
    "mlp.dataset.three_class": "Three classes",
    "mlp.noise": "Noise (%)",
    "mlp.points": "Points",
    "mlp.train_ratio": "Training share (%)",
    "mlp.train_ratio.few": (
        "Only {n} points: set the training share to 100 % to train on all of them (no "
        "validation set; the curves and the reading then follow the training loss)."),
    "mlp.seed": "Seed",
    "mlp.features": "Input features",
    "mlp.normalise": "Normalise inputs (mean 0, std 1 on the training set)",
    "mlp.normalised": (
        "The axes show the data as it is; the network sees each input normalised, "
        "x̂ = (x − μ) / σ with the training set's μ and σ ({features})."),
    "mlp.network": "Network",
    "mlp.layers": "Hidden layers (neurons per layer, e.g. 8,8; 0 = linear model)",
    "mlp.layers.empty": (
        "Nothing typed: type the neurons per layer (e.g. 8,8), or 0 for a linear model; "
        "{used} is in use."),
    "mlp.layer.add": "+ layer",
    "mlp.layer.remove": "− layer",
    "mlp.layer.width": "layer {n}",
    "mlp.regenerate": "New data (seed + 1)",
    "mlp.activation": "Activation",
    "mlp.activation.relu": "ReLU",
    "mlp.activation.tanh": "tanh",
    "mlp.activation.sigmoid": "sigmoid",
    "mlp.activation.linear": "linear (none)",
    "mlp.init": "Initialisation",
    "mlp.init.zeros": "zeros",
    "mlp.init.small_uniform": "small uniform (±0.5)",
    "mlp.init.xavier": "Xavier (Glorot)",
    "mlp.init.he": "He (Kaiming)",
    "mlp.batchnorm": "Batch normalisation",
    "mlp.training": "Training (changes apply while it runs)",
    "mlp.optimizer": "Optimizer",
    "mlp.lr": "Learning rate α",
    "mlp.knobs_of": "{optimizer}'s settings:",
    "mlp.knobs_of_race": "The racers' settings:",
    "mlp.batch": "Batch size",
    "mlp.batch.label": "Batch size (a change starts a fresh network)",
    "mlp.batch.topped_up": (
        "{n} training points in batches of {b}: an epoch is {updates} updates, the last "
        "batch topped up with {extra} points already seen in that epoch."),
    "mlp.l1": "L1 penalty λ₁ (after each step w ← sign(w)·max(|w| − α·λ₁, 0))",
    "mlp.l2": (
        "L2 penalty λ₂ (loss + λ₂ Σ W², weights only, not biases; the curves show the "
        "loss alone)"),
    "mlp.dropout": (
        "Dropout rate p (a unit kept with q = 1 − p, scaled by 1/q, while training; the "
        "curves: every unit on)"),
    "mlp.play": "▶ Play",
    "mlp.pause": "❚❚ Pause",
    "mlp.step": "+1 epoch",
    "mlp.reset": "Reset",
    "mlp.speed": "Epochs per frame",
    "mlp.speed.max": "max",
    "mlp.epoch": "Epoch",
    "mlp.link_epoch_note": (
        "Links stop at epoch {epoch}: this page's link, a reload or another language "
        "opens it at epoch {epoch}."),
    "mlp.catching_up": "Training to epoch {epoch}, as the link says…",
    "mlp.compiling": "Compiling the new network…",
    "mlp.train_loss": "Training loss",
    "mlp.val_loss": "Validation loss",
    "mlp.show_val": "Show validation points",
    "mlp.key.named_class": "{color}: class {k}",
    "mlp.key.caption": "{classes}; {shade}",
    "color.orange": "orange",
    "color.blue": "blue",
    "color.green": "green",
    "color.purple": "purple",
    "color.brown": "brown",
    "color.pink": "pink",
    "color.grey": "grey",
    "color.olive": "olive",
    "color.cyan": "cyan",
    "color.red": "red",
    "mlp.key.class": "class {k}",
    "mlp.key.soft2": "background: the probability of class 1, white at 50 %",
    "mlp.key.softk": "background: the class predicted, paler where less sure",
    "mlp.key.hard": "background: the class predicted",
    "mlp.key.points": "● training points",
    "mlp.key.val": ", ▲ validation points",
    "mlp.plot.boundary": "What the network predicts",
    "mlp.plot.loss": "Cross-entropy vs epoch",
    "mlp.plot.accuracy": "Accuracy vs epoch",
    "mlp.plot.epoch": "epoch",
    "mlp.plot.train": "training",
    "mlp.plot.val": "validation",
    "mlp.plot.best": "best epoch",
    "mlp.plot.gap": "gap",
    "mlp.plot.race_lines": "solid: training, dashed: validation",
    "mlp.readout.whose": "{what} ({optimizer})",
    "mlp.readout.accuracy": "(accuracy {value})",

    # Figures out of the page (ui.export).
    "export.download": "Download",
    "export.figure": "Figure (plots + settings)",
    "export.defaults": "default settings",
    "export.epoch": "epoch {epoch}",
    # A figure's caption (ui.caption): the settings in words.
    "caption.setting": "{label}: {value}",
    "caption.list": ", ",
    "caption.with": "{name}, {settings}",
    "caption.separator": " · ",
    "caption.no_bias_correction": "no bias correction",
    "caption.race": "Race",
    "caption.race_each": "{racers} (each {settings})",
    "caption.racer_lr": "{name} (α = {lr})",
    "caption.steps": "{steps} steps",
    # A figure's note on the surface's arrows (scaled to be seen, as the page's table says).
    "caption.arrows": "arrows at the step shown, scaled to be seen: {legend}",
    "caption.marks": "marks: {marks}",
    "caption.mark.start": "✕ start",
    "caption.mlp.marks": "○ training points, △ validation points",
    "caption.step_of": "step {step} of {steps}",
    "caption.mlp.noise": "noise {value} %",
    "caption.mlp.points": "{value} points",
    "caption.mlp.train_ratio": "{value} % for training",
    "caption.mlp.seed": "seed {value}",
    "caption.mlp.normalised": "inputs normalised",
    "caption.mlp.no_hidden": "no hidden layer",
    "caption.mlp.layer": "1 hidden layer (width {widths})",
    "caption.mlp.layers": "{n} hidden layers (widths {widths})",
    "caption.mlp.l1": "L1 penalty λ₁ = {value}",
    "caption.mlp.l2": "L2 penalty λ₂ = {value}",
    "export.page": "Export page (HTML)",
    "export.step": "Step",
    "export.sweep": "{knob} of {optimizer}",
    "export.sweep.off": "off",
    "export.sweep.on": "on",
    "export.note.optimizers": (
        "A recorded copy: every picture was computed when the page was exported. Drag the "
        "step slider or press Play; the second slider picks one of {n} precomputed values "
        "of the {knob} of {optimizer}, from {low} to {high}."),
    "export.every": "every {n} epochs",
    "export.every.one": "at every epoch",
    "export.note.mlp": (
        "A recorded copy: the network was trained {epochs} epochs when the page was "
        "exported, its prediction kept {every} ({n} pictures). Drag the epoch "
        "slider or press Play."),
    "export.note.biasvariance": (
        "A recorded copy: every fit was computed when the page was exported, at {n} "
        "capacities ({symbol} from {low} to {high}) on {sets} training sets. Drag the "
        "capacity slider or press Play; click a fit to show its training set."),
    "export.note.biasvariance_sets": (
        "The fits of {kept} of the {sets} sets are drawn (to keep the file small); bias², "
        "variance and the errors are of all {sets}."),
    "mlp.diverged": (
        "Training diverged at epoch {epoch}: the loss became infinite or NaN, so training "
        "stopped at the last finite network. Lower the learning rate, then press Reset."),
    "mlp.reading.early": "Press Play to train the network, or +1 epoch to train one epoch.",
    "mlp.reading.underfit": (
        "**Under-fitting** (high bias): both losses are high and close together. The model "
        "cannot represent the pattern: add hidden layers or neurons, non-linear features, "
        "or train longer."),
    "mlp.reading.overfit": (
        "**Over-fitting** (high variance): training loss keeps falling but validation loss "
        "is rising or far above it. The network is learning the noise and quirks of its few "
        "points: use more data, a smaller network, L2 or dropout, or stop where validation "
        "loss was lowest."),
    "mlp.reading.overfit_noise_free": (
        "**Over-fitting** (high variance): training loss keeps falling but validation loss "
        "is rising or far above it. The network is fitting where its few training points "
        "happen to lie, not the pattern between them: use more data, a smaller network, L2 "
        "or dropout, or stop where validation loss was lowest."),
    "mlp.reading.note.dropout": "dropout p = {value}",
    "mlp.reading.note.remedies_on": (
        "Already on here: {remedies}; a larger value, more data or a smaller network "
        "would help."),
    "mlp.reading.note.held_back": (
        "Also holding the network back here: {remedies}; a smaller value would help."),
    "mlp.reading.unstable": (
        "**Unstable training**: the training loss oscillates or rises instead of falling, so "
        "each step overshoots. This is not the model's fault: lower the learning rate α "
        "(or clip the gradients, or use a decaying schedule)."),
    "mlp.reading.no_validation": (
        "**Training data only** (training share 100 %: no validation points). The network "
        "fits the points it trains on; whether it generalises, or over-fits, cannot be "
        "judged without held-out points."),
    "mlp.reading.underfit_no_validation": (
        "**Under-fitting** (high bias): the training loss stays high, so the model cannot "
        "represent the pattern: add hidden layers or neurons, non-linear features, or train "
        "longer. (No validation points: over-fitting cannot be judged.)"),
    "mlp.reading.learning": (
        "**Still learning**: the training loss is still high and still falling. Train on "
        "(Play) to see where the curves settle before judging the fit."),
    "mlp.reading.underfit_vanishing": (
        "**Under-fitting** (high bias): both losses are stuck near chance. With {layers} "
        "hidden layers of sigmoid units the gradient fades on its way back to the first "
        "layers (each sigmoid′ ≤ 1/4: vanishing gradients), so they barely learn; the "
        "network could represent the pattern. ReLU with He initialisation, or batch "
        "normalisation, would help; more layers would not."),
    "mlp.reading.good": (
        "**A good fit**: validation loss follows training loss down and stays close to it."),
    "mlp.error.layers": "Cannot use these layers: {error}",
    # Why a text of hidden-layer widths was refused (numerics.mlp.LayersError, by code).
    "layers.empty": "a layer's width is missing",
    "layers.not_integer": "{item} is not a whole number",
    "layers.width": "a layer has 1 to {max} neurons, not {width}",
    "layers.too_many": "at most {max} hidden layers",
    "mlp.upload.failed": "The file could not be read: {error}",
    # The help of a setting (its widget's "?"), the same as the parameter's own doc.
    "mlp.doc.train_ratio": "percent of the points that train; 100: no validation",
    "mlp.doc.schedule_every": "N in epochs (step, 1/t); T in epochs (cosine)",
    "mlp.doc.schedule_factor": "k (step)",
    "mlp.doc.schedule_gamma": "γ per epoch (exponential)",
    "mlp.doc.race": "2–4 optimizers training the same network side by side",
    "mlp.doc.discretize": "the heat map shows the predicted class only",
    "mlp.doc.early_stop": "pause when validation loss stops improving",
    "mlp.doc.patience": "epochs without improvement",
    "mlp.invalid.batch_training_set": (
        "A batch holds at most the training set: the batch is now {n} (the {asked} asked "
        "for comes back with more training points)."),
    "mlp.invalid.batchnorm_batch": (
        "Batch norm needs at least 2 examples per batch (a batch of one has no variance): "
        "the batch is now 2."),
    "mlp.invalid.batchnorm_one_example": (
        "Batch norm needs at least 2 examples per batch, and there is only 1 training "
        "example: batch norm is off. Use more points or a larger training share."),
    "mlp.invalid.batchnorm_linear": "Batch norm acts on hidden layers; a linear model has none.",
    "mlp.invalid.dropout_linear": "Dropout acts on hidden layers; a linear model has none.",
    "mlp.invalid.early_stop_race": "Early stopping is off during a race.",
    "mlp.invalid.no_features": "Choose at least one input feature: x₁ and x₂ are used.",
    "mlp.invalid.lr_zero": (
        "The learning-rate schedule has brought α to 0 at epoch {epoch}: training cannot "
        "change the network any more. Choose a smaller k, a larger N, T or γ, another "
        "schedule, or press Reset."),
    "mlp.early_stopped.no_validation": (
        "Stopped early at epoch {epoch}: there are no validation points (training share "
        "100 %), so early stopping watches the training loss, which has not improved for "
        "{patience} epochs since epoch {best}."),
    "mlp.no_validation": "none",  # the validation loss without validation points
    "mlp.dataset.uploaded": "Uploaded CSV",
    # Why an uploaded CSV file was refused (numerics.datasets.DatasetError, by code: the
    # English is the same as that module's MESSAGES, which a test checks).
    "csv.binary": "this looks like a binary file, not CSV text (it contains NUL bytes)",
    "csv.not_text": "expected the file's text or bytes, not {type}",
    "csv.too_large": "file too large: {size:,} bytes (the limit is {limit:,} bytes)",
    "csv.utf16": "the file is UTF-16 text, not UTF-8; save it as CSV (UTF-8)",
    "csv.not_utf8": (
        "the file is not UTF-8 text (undecodable byte at position {position}); "
        "save it as CSV (UTF-8)"),
    "csv.not_a_number": "line {line}: {column} is not a number: {value}",
    "csv.not_finite": "line {line}: {column} is not a finite number: {value}",
    "csv.too_large_value": (
        "line {line}: {column} = {value} is outside ±{limit:g} (rescale the data)"),
    "csv.columns": "line {line}: expected 3 comma-separated values (x1,x2,label) but found {n}",
    "csv.columns_not_commas": (
        "line {line}: expected 3 comma-separated values (x1,x2,label) but found {n}; "
        "separate the values with commas"),
    "csv.empty": "the file is empty",
    "csv.unreadable_line": "line {line}: cannot read the values ({error})",
    "csv.empty_label": "line {line}: the label is empty",
    "csv.too_many_rows": "too many rows: more than {n:,} points (the limit)",
    "csv.one_row": "only 1 data row; need at least {min} points",
    "csv.too_few_rows": "only {n} data rows; need at least {min} points",
    "csv.label_not_class": (
        "line {line}: label {label} is not a class number 0..K−1 (K ≤ {max})"),
    "csv.label_not_integer": (
        "line {line}: label {label} is not a whole number; labels must be integers 0..K−1 "
        "or class names"),
    "csv.labels_not_contiguous": (
        "integer labels must be exactly 0..{last} with every class present; found {found}"),
    "csv.one_class": "only one class ({name}); the labels need at least 2 classes",
    "csv.too_many_classes": "too many classes: {k} (the limit is {max})",
    # A data setting out of range (numerics.datasets.DataSettingError, by code).
    "data.unknown": "unknown data set {name}; choose one of {names}",
    "data.points": "number of points must be an integer from {low} to {high}, not {value}",
    "data.noise": "noise must be a percentage from 0 to {high:g}, not {value}",
    "data.seed": "seed must be a non-negative integer, not {value}",
    "data.train_ratio": (
        "training share must be a percentage from {low:g} to {high:g}, not {value}"),
    "data.cannot_split": "cannot split {n} point(s) into two non-empty parts",
    "data.features_type": "features must be a list of names, not {value}",
    "data.no_feature": "choose at least one input feature from {names}",
    "data.unknown_feature": "unknown feature {name}; choose from {names}",
    "data.feature_twice": "feature {name} is listed more than once",
    "mlp.upload.choose": "Choose a CSV file…",
    "mlp.upload.note": (
        "Upload a CSV file of x1,x2,label rows (a header row is optional). A link "
        "cannot carry an uploaded file: share the file itself."),
    "mlp.log_loss": "Loss on a log scale",
    "mlp.discretize": "Discretize output",
    "mlp.race": "Race optimizers (choose 2–4: the same network, the same start)",
    "mlp.race.too_many": "A race takes at most {n} optimizers: the first {n} race.",
    "mlp.race.too_few": (
        "A race needs at least two optimizers (only {optimizer} is ticked): the single "
        "network trains, with the optimizer chosen above ({single})."),
    "mlp.race.all_diverged": "Every optimizer in the race diverged. Lower α or press Reset.",
    "mlp.race.diverged": "diverged at epoch {epoch}",
    "mlp.race.frame": "Each map: x₁ from {x0} to {x1} across, x₂ from {y0} to {y1} up.",
    "mlp.race.optimizer": "Optimizer",
    "mlp.race.lr": "α",
    "unit.percent": "{value} %",
    "mlp.race.val_acc": "Validation accuracy",
    "mlp.race.reading": "Reading",
    "mlp.reading.early.short": "too early to tell",
    "mlp.reading.underfit.short": "under-fitting",
    "mlp.reading.overfit.short": "over-fitting",
    "mlp.reading.overfit_noise_free.short": "over-fitting",
    "mlp.reading.unstable.short": "unstable",
    "mlp.reading.no_validation.short": "no validation points",
    "mlp.reading.underfit_no_validation.short": "under-fitting",
    "mlp.reading.good.short": "a good fit",
    "mlp.reading.learning.short": "still learning",
    "mlp.reading.underfit_vanishing.short": "under-fitting (vanishing gradients)",
    "mlp.race.note": (
        "Racing: every optimizer trains the same initial network on the same batches; "
        "the settings above apply to all of them, α too unless a racer has its own "
        "(below; empty: the α above)."),
    "mlp.racer_lr": "α ({optimizer})",
    "mlp.hp": "Optimizer settings",
    "mlp.schedule": "Learning-rate schedule (e: epochs so far, in fractions at each update)",
    "mlp.schedule.constant": "constant: α",
    "mlp.schedule.step": "step: α / k every N epochs",
    "mlp.schedule.exponential": "exponential: α·γ^e",
    "mlp.schedule.inverse_time": "1/t: α / (1 + e/N)",
    "mlp.schedule.cosine": "cosine: α(1 + cos(π·e/T))/2",
    "mlp.schedule.every": "N or T (epochs)",
    "mlp.schedule.factor": "k (divide by)",
    "mlp.schedule.gamma": "γ (per epoch)",
    "mlp.clip": "Gradient clipping",
    "mlp.clip.value": "threshold c",
    "mlp.lr_now": "α now: {lr}",
    "mlp.lr_now.racer": "{name} {lr}",
    "mlp.early_stop": "Early stopping",
    "mlp.patience": "Patience (epochs)",
    "mlp.restore_best": "Restore best",
    "mlp.best": "Best validation loss {loss} at epoch {epoch}",
    "mlp.best.no_validation": "No validation points: best training loss {loss} at epoch {epoch}",
    "mlp.early_stopped": (
        "Stopped early at epoch {epoch}: validation loss has not improved for "
        "{patience} epochs since epoch {best}. Restore best brings back the network of "
        "that epoch."),
    "mlp.net.title": "Each neuron's output over the input plane",
    "mlp.net.inputs": "Inputs",
    "mlp.net.layer": "Layer {layer}",
    "mlp.net.output": "Output",
    "mlp.net.neuron": "layer {layer}, neuron {unit}",
    "mlp.net.output_unit": "p{sub} (probability of class {k})",
    "mlp.net.pick": (
        "Or choose a weight by number (Tab, type, Enter). Weights l come into layer l "
        "from the one before: 1 from the inputs, the last into the output:"),
    "mlp.net.pick_layer": "Weights l",
    "mlp.net.pick_from": "From neuron",
    "mlp.net.pick_to": "To neuron",
    "mlp.net.pick_none": (
        "No such weight: layers 1–{layers}, units from 1 (inputs, then each layer)."),
    "mlp.net.hint": "Click an edge (a weight) to edit it.",
    "mlp.net.weight": "Weight from <b>{source}</b> to <b>{target}</b>",
    "mlp.net.value": "Value (press Enter)",
    "mlp.net.after_edit": (
        "After this edit: training loss {train}, validation loss {val}. The curves record "
        "the next epoch, which trains on from the edited network."),
    "mlp.net.legend": (
        "Each square shows one neuron's output over the plane: {units} An output square pₖ "
        "is the probability of class k, in that "
        "class's colour: white 0, full colour 1. Edges are weights: blue positive, orange "
        "negative, thicker for larger |w|. Hover an edge to read its value."),
    "mlp.net.units.signed": "blue positive, orange negative, white 0.",
    "mlp.net.units.sigmoid": (
        "a sigmoid's output lies between 0 and 1, so blue above ½, orange below ½, white ½ "
        "(the inputs: blue positive, orange negative, white 0)."),
    "mlp.weight.not_a_number": "Enter a number for the weight.",
    "mlp.weight.not_finite": "A weight must be a finite number, not {value}.",
    "mlp.weight.outside": (
        "{value} is outside the range: a weight must lie between −{limit} and {limit}."),
    "mlp.weight.no_such": "This network has no weight W[{i}, {j}] in layer {layer}.",
    "mlp.weight.too_many": (
        "A link carries at most {n} weight edits: reset the network to edit more."),
    "mlp.weight.not_in_link": (
        "A link cannot reach a network past epoch {epoch}: it does not carry this edit."),
    "mlp.edits.dropped": "A weight edit in the link was left out: {problem}",
    "input.refused": "{value} not used ({reason}): {used} is in use.",
    "input.key_refused": "Only a number fits here: “{text}” was left out.",
    "input.key_refused_integer": "Only a whole number fits here: “{text}” was left out.",
    "input.not_a_number": "not a number",
    "input.not_finite": "not finite",
    "input.not_integer": "not a whole number",
    "input.outside": "outside [{low}, {high}]",
    "url.ignored": "Ignored from the link: {problems}",
    "url.unusable": "The link could not be used; the lab starts with its defaults.",
    # One ignored field of a link, the separator between two, and why it was ignored.
    "url.problem": "{field}={value} ({reason})",
    "url.separator": "; ",
    "text.sentences": "{first} {second}",  # (Chinese sets no space after its 。)
    "url.more_problems": "and {n} more",
    "widget.colon": ": ",
    "url.reason.too_many_fields": "{n} fields past the first {max}",
    "url.reason.twice": "given twice: the first is used",
    "url.reason.flag": "expected 1 or 0",
    "url.reason.unknown_items": "unknown {items}",
    "url.reason.choices": "expected one of {choices}",
    "url.reason.not_integer": "not an integer",
    "url.reason.not_number": "not a number",
    "url.reason.not_finite": "not finite",
    "url.reason.outside": "outside [{low}, {high}]",
    "url.reason.unreadable": "unreadable",
    "url.reason.unknown_key": "unknown key",
    "url.reason.unknown_lab": "unknown",
    "url.reason.expr_not_custom": "only with surface=custom",
    "url.reason.uploaded": "a link cannot carry an uploaded file",
    "url.reason.batch": "more than the {n} training points",
    "url.reason.not_racing": "that optimizer is not in the race",
    "url.reason.edits_many": "at most {n} edits",
    "url.reason.edit_form": (
        "{item} is not EPOCH:LAYER:FROM:TO:VALUE (an epoch 0–{max}, then the layer and "
        "units counted from 1)"),
    "url.reason.edit_value": "{item}: a weight lies between −{limit} and {limit}",
    "url.reason.edit_order": "{item}: edits go in the order they were made (epochs never decrease)",
    "url.reason.edit_after": "an edit after the link's epoch, {epoch}",
    "url.reason.edit_no_weight": "this network has no weight W[{i}, {j}] in layer {layer}",
    "url.reason.no_feature": "choose at least one",
    "url.reason.race": "at most {n} optimizers",
    "url.reason.at_least": "at least {low}",
    "url.reason.past_last_step": "past the last step, {last}: the last is shown",
    "url.reason.capacity": "outside [{low}, {high}] for this family",
    "url.reason.not_computed": "not a capacity computed here: the nearest, {nearest}, is shown",
    "url.reason.no_such_set": "no such training set: there are {sets}",
    "url.reason.lesson_name": "not a lesson name",
    "url.reason.no_lesson": "no such lesson",
    "url.reason.lesson_of_lab": "its step is in the {lab} lab",
    "error.unexpected": "Something went wrong computing this run: {error}",
    "app.build_failed": "The lab could not be built: {error}",

    # The bias-variance lab (its own block; to move into the language tables later).
    "lab.biasvariance": "Bias & variance",
    "bv.data": "Truth and data",
    "bv.model": "Model family and capacity",
    "bv.truth": "True function f(x)",
    "bv.truth.sin": "sin 2πx",
    "bv.truth.step": "A step at x = ½",
    "bv.truth.abs": "|x − ½|",
    "bv.truth.cubic": "A cubic",
    "bv.inputs": "Training inputs x",
    "bv.inputs.uniform": "Uniform at random",
    "bv.inputs.spread": "Spread evenly (one per n-th of [0, 1])",
    "bv.inputs.spread.short": "Spread evenly over [0, 1]",
    "bv.inputs.uniform.short": "Uniform at random",
    "bv.noise": "Noise σ",
    "bv.n": "Training points per set n",
    "bv.datasets": "Training sets M",
    "bv.seed": "Seed",
    "bv.family": "Model family",
    "bv.family.poly": "Polynomial (degree d)",
    "bv.family.knn": "k nearest neighbours",
    "bv.family.features": "Random ReLU features (p)",
    "bv.knn.upto_n": "Here k runs from 1 to n = {n}: no more neighbours than training points.",
    "bv.knn.upto_max": "Here k runs from 1 to {high}, the most this lab computes.",
    "bv.family.network": "Neural network, one hidden layer (width h)",
    "bv.family.poly.note": (
        "Least squares in the Legendre basis; λ > 0 shrinks the coefficients (ridge)."),
    "bv.family.knn.note": (
        "The mean of the k nearest training targets. Capacity falls as k grows; λ does not "
        "apply."),
    "bv.family.features.note": (
        "A fixed (untrained) first layer of p ReLU units with random slopes, their kinks "
        "placed between each set's training inputs in random order, and the minimum-norm "
        "least-squares output layer. At p = n the features can just interpolate the n "
        "points: watch the test error peak there and fall again (double descent); λ > 0 "
        "flattens the peak. With inputs uniform at random, a few sets have two inputs almost "
        "together or a wide empty stretch: their fits swing far outside the data, below "
        "p = n too, and dominate the average (λ > 0 or evenly spread inputs tame them)."),
    "bv.family.network.note": (
        "tanh units trained by 500 full-batch Adam steps from one shared start; λ is an L2 "
        "penalty. Past a few units the test error stays nearly flat and the variance grows "
        "only slowly: 500 steps do not take even a wide network through every noisy point "
        "(its training error stays well above 0), so a wider network's fits hardly "
        "disagree more. The training time, not the width, "
        "holds the fits back: stopping early is a regularizer (trained 8 times as long, the "
        "variance at h = 32 is about 3 times as large). Every width on every set takes "
        "about half a minute (the bar shows how far)."),
    "bv.capacity.poly": "Degree d (the capacity)",
    "bv.capacity.knn": "Neighbours k (capacity falls as k grows)",
    "bv.capacity.features": "Features p (the capacity)",
    "bv.capacity.network": "Hidden units h (the capacity)",
    "bv.ridge": "Ridge λ",
    "bv.fits.title": "Fits to many training sets",
    "bv.fits.each": "fit to one set",
    "bv.fits.mean": "mean fit f̄",
    "bv.fits.band": "f̄ ± 2 standard errors",
    "bv.fits.truth": "truth f",
    "bv.fits.shown": "one set's fit (click one)",
    "bv.fits.shown.figure": "one set's fit",
    "bv.fits.points": "its training points",
    "bv.curves.title": "Error against capacity",
    "bv.curve.bias2": "bias²",
    "bv.curve.variance": "variance",
    "bv.curve.noise": "noise σ²",
    "bv.curve.total": "bias² + variance + σ²",
    "bv.curve.test_error": "measured test error",
    "bv.curve.train_error": "training error",
    # Under the braces of the decomposition (plain text: no LaTeX).
    "bv.definitions.note": (
        "fₘ: the fit to training set m of the M; f̄: their mean; ⟨·⟩ₓ: the mean over the "
        "test inputs. Both are unbiased estimates of the expectations over training sets "
        "(f̄ is itself a mean of M fits: its own spread, variance/M, is taken out of bias²)."),
    "bv.term.test": "test error",
    "bv.term.bias": "bias",
    "bv.term.variance": "variance",
    "bv.axis.poly": "degree d (capacity grows →)",
    "bv.axis.knn": "k neighbours (capacity falls as k grows →)",
    "bv.axis.features": "features p (capacity grows →)",
    "bv.axis.network": "hidden units h (capacity grows →)",
    "bv.axis.error": "mean squared error",
    "bv.threshold": "p = n",
    "bv.busy": "Training every width on every set… {percent} %",
    "bv.busy.fits": "Fitting every capacity to every set… {percent} %",
    "bv.bias2_zero": (
        "Bias² is drawn as 0, below the chart's bottom, at {where}: there it is within its "
        "sampling error of 0 (the M training sets cannot tell it from 0: f̄ is off the "
        "truth by about its own error, the shaded band)."),
    "bv.poly_threshold": (
        "From d = {d} on, a polynomial has at least as many coefficients as a set has "
        "points (n = {n}): every set is fitted exactly, by the polynomial with the "
        "smallest coefficients (Φ⁺y). As with random features past p = n, the error can "
        "fall again there (a second descent) or keep rising."),
    "bv.above_top": (
        "The test error is above the chart's top at {where} (up to {peak}): the axis stops "
        "there so that the rest of the curves stays readable."),
    "bv.where.from": "{symbol} ≥ {value}",
    "bv.where.at": "{symbol} = {values}",
    "bv.reading.high_bias": (
        "High bias: at {symbol} = {value} the mean fit misses the truth; more capacity "
        "would help."),
    "bv.reading.high_variance": (
        "High variance: at {symbol} = {value} the fits disagree from one training set to "
        "the next; less capacity, more data or a larger λ would help."),
    "bv.reading.high_variance_knn": (
        "High variance: at k = {value} each fit follows a few noisy neighbours and changes "
        "from one training set to the next; a larger k (less capacity) or more data would "
        "help."),
    "bv.reading.high_bias_knn": (
        "High bias: at k = {value} each fit averages so many neighbours that the mean fit "
        "misses the truth; a smaller k (more capacity) would help."),
    "bv.reading.bias_yet_less": (
        "Bias² above the variance, yet less capacity helps: at {symbol} = {value} the mean "
        "fit misses the truth more than the fits disagree, but more capacity does not "
        "bring it closer: the test error is lowest at {symbol} = {best}."),
    "bv.reading.variance_yet_falling": (
        "Variance above bias², yet more capacity helps: at {symbol} = {value} the fits "
        "already disagree more than their mean misses the truth, but more capacity lowers "
        "bias² more than it raises the variance: the test error is lowest at "
        "{symbol} = {best}."),
    "bv.reading.near_threshold": (
        "High variance near the interpolation threshold: at p = {value} < n = {n} the fits "
        "come ever closer to passing through every noisy point. Less capacity, more data "
        "or a larger λ would help, and so would more capacity: past p = n the error falls "
        "again (double descent)."),
    "bv.reading.at_threshold": (
        "High variance at the interpolation threshold: at p = n = {n} each fit must pass "
        "through every noisy point. Less capacity, more data or a larger λ would help, and "
        "so would more capacity: past p = n the error falls again (double descent)."),
    "bv.reading.high_bias_ridge": (
        "High bias: at {symbol} = {value} the mean fit misses the truth, and more capacity "
        "would not help: the ridge λ holds every fit back. A smaller λ would help."),
    "bv.reading.near_best": (
        "Near the best capacity: at {symbol} = {value} bias² + variance is close to its "
        "minimum."),
    "bv.reading.past_threshold": (
        "Past the interpolation threshold: with p = {value} > n = {n} features every "
        "training set is fitted exactly, and the minimum-norm solution gets smoother as p "
        "grows."),
    "bv.reading.unstable": (
        "Unstable fits: at p = {value} the fits swing far outside the data from one "
        "training set to the next, and past p = n the error does not come back down. With "
        "inputs uniform at random, some sets have two inputs almost together or a wide "
        "empty stretch, and the features' kinks magnify the noise there, below p = n as "
        "well as past it. A ridge λ > 0 or inputs spread evenly tame them."),
    "bv.reading.past_threshold_ridge": (
        "Past the interpolation threshold: p = {value} > n = {n} features, but with λ > 0 "
        "the fits are ridge solutions: they do not pass through every training point, "
        "and λ keeps them smooth."),
    # Lessons (ui.lesson): the bar, the sidebar's card, a lesson file's problems.
    "lesson.heading": "Lesson: {title}",
    "lesson.panel": "Guided lessons",
    "lesson.step": "step {k} of {n}",
    "lesson.back": "Back",
    "lesson.next": "Next",
    "lesson.close": "Close",
    "lesson.changed": "The page's settings are not this step's: its caption describes the step's.",
    "lesson.restore": "The step's settings",
    "lesson.pick": "Step through a prepared lesson (Next, Back, or PageDown and PageUp):",
    "lesson.choose": "Choose a lesson file…",
    "lesson.upload": "Or open your own lesson file (JSON or YAML):",
    "lesson.loading": "Loading the lesson…",
    "lesson.refused": "This lesson file cannot be used: {error}",
    "lesson.not_kept": ("The uploaded lesson is not kept in this tab any more: open the "
                        "lesson file again."),
    "lesson.where.file": "the file",
    "lesson.where.title": "the title",
    "lesson.where.step": "step {k}",
    "lesson.error.unknown": "there is no lesson called {name}.",
    "lesson.error.too_big": "{where} has {size} bytes, more than the {limit} allowed.",
    "lesson.error.not_utf8": "{where} is not UTF-8 text.",
    "lesson.error.syntax": "{where} is neither JSON nor YAML (line {line}).",
    "lesson.error.unreadable": ("{where} is nested too deeply, or holds a number too long, "
                                "to be read."),
    "lesson.error.not_a_lesson": "{where} must be a mapping with a title and steps.",
    "lesson.error.duplicate_key": "{where} gives the key {field} twice.",
    "lesson.error.unknown_key": "{where} has an unknown key: {field}.",
    "lesson.error.missing": "{where} lacks its {field}.",
    "lesson.error.not_text": "{where} needs a text, or one text per language (en, zh).",
    "lesson.error.too_long": "{where}: a text is longer than {limit} characters.",
    "lesson.error.no_steps": "{where} needs a list of at least one step.",
    "lesson.error.too_many_steps": "{where} has {count} steps, more than the {limit} allowed.",
    "lesson.error.not_a_step": "{where} must be a mapping with a link and a caption.",
    "lesson.error.bad_link": "{where} has a link the page cannot read: {problem}.",

    # Keyboard shortcuts (ui.keyboard) and the help overlay (?).
    "keys.title": "Keyboard shortcuts",
    "keys.note": "Keys do nothing while you type in a box.",
    "keys.close_button": "Close",
    "keys.help": "Show this help",
    "keys.close": "Close this help",
    "keys.none": "Nothing in this lab",
    "keys.lesson.next": "Lesson: the next step",
    "keys.lesson.back": "Lesson: the step before",
    "keys.opt.play": "Play or pause the race",
    "keys.opt.right": "Step slider one step on (as many as the speed)",
    "keys.opt.left": "Step slider one step back",
    "keys.opt.reset": "Back to step 0",
    "keys.mlp.play": "Play or pause training",
    "keys.mlp.right": "Train one epoch (+1 epoch)",
    "keys.mlp.left": "Nothing: training cannot be undone",
    "keys.mlp.reset": "Reset: a new network",
    "keys.bv.right": "Capacity slider one value on",
    "keys.bv.left": "Capacity slider one value back",
    "keys.bv.set": "Highlight the next (previous) training set's fit",
    "keys.player.first": "First step",
    "keys.player.previous": "Step back",
    "keys.player.reverse": "Play backwards",
    "keys.player.pause": "Pause",
    "keys.player.play": "Play",
    "keys.player.next": "Step forward",
    "keys.player.last": "Last step",
    "keys.player.slower": "Slower",
    "keys.player.faster": "Faster",
    "keys.increase": "increase",
    "keys.decrease": "decrease",
    "keys.player.scrubber": "Step shown",
}

TEXT: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "en": MappingProxyType(_EN), "zh": MappingProxyType(ZH)})


def tr(key: str, lang: str = DEFAULT_LANGUAGE, **fields) -> str:
    """The text for ``key`` in ``lang`` (English if the language or the key is missing),
    formatted with ``fields``.

    Raises:
        KeyError: ``key`` is in no table (a programming error), or a placeholder of the
            text is not among ``fields``.
    """
    table = TEXT.get(lang, TEXT[DEFAULT_LANGUAGE])
    text = table.get(key) or TEXT[DEFAULT_LANGUAGE][key]
    if not fields:
        return text
    text = text.format(**fields)
    # The spaces a Chinese text sets around a field (for "SGD") go where the field is
    # Chinese ("在 动量法 第 100 步" → "在动量法第 100 步").
    return _CJK_GAP.sub("", text) if lang == "zh" else text


#: A space between two Chinese characters (ideographs or full-width punctuation).
_CJK_GAP = re.compile(r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]) +"
                      r"(?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])")


def tr_error(error: BaseException, lang: str = DEFAULT_LANGUAGE) -> str:
    """What ``error`` says, in ``lang``: an error with a ``code`` (``numerics.errors.
    CodedError``, ``ui.link.LinkReason``) is rendered from the tables by its ``domain``
    and ``params``; any other error is its own (English) message.

    E.g. ``tr_error(ExpressionError.coded("too_long", max=300), "zh")`` reads
    ``"表达式太长（最多 300 个字符）"``.
    """
    code, params = getattr(error, "code", None), getattr(error, "params", None) or {}
    domain = getattr(error, "domain", None)
    if code is None:
        return str(error)
    if domain == "expr":
        return tr(f"expr.{code}", lang, **params)
    if domain == "csv":
        return tr(f"csv.{code}", lang, **params)
    if domain == "data":
        return tr(f"data.{code}", lang, **params)
    if domain == "layers":
        return tr(f"layers.{code}", lang, **params)
    if domain == "link":
        return tr(f"url.reason.{code}", lang, **params)
    return str(error)
