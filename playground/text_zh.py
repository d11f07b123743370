"""The Simplified Chinese table: the same keys as ``text._EN``, the same placeholders.

Its own module so that translators work on one file and ``text.py`` stays readable.
Terms follow the Chinese edition of *Dive into Deep Learning* (《动手学深度学习》):
学习率, 动量法, 小批量, 迭代周期 (epoch), 批量规范化, 暂退法
(Dropout), 早停, 过拟合/欠拟合, 损失曲面, 鞍点, 海森矩阵 …; formulas, symbols, optimizer
and surface names (SGD, Adam, Rosenbrock …) stay as they are. Chinese punctuation is
full-width (，。：；（）“”); a formula keeps its ASCII parentheses and commas.
"""

from __future__ import annotations

ZH: dict[str, str] = {
    "app.title": "神经网络演练场",
    "app.lab": "实验",
    "app.loading_lab": "正在加载实验……",
    "app.dark": "深色",
    "app.present": "授课模式",
    "app.sidebar": "控制面板",
    "app.controls_below": "控制面板 ↓",
    "app.pictures_above": "图表 ↑",
    "present.zoom_hint": (
        "授课模式按 1280 像素宽的屏幕设计。在这块更宽的屏幕上，请把浏览器缩放到 150 %"
        "（Ctrl 加 +，Mac 上为 ⌘ 加 +），文字和图表即可达到设计的大小。"),
    "present.zoom_hint.close": "关闭此提示",
    "app.language": "语言",
    "app.copy_link": "复制链接",
    "app.link_copied": "链接已复制",
    "lab.optimizers": "优化器",
    "lab.optimizers.blurb": "优化器在二维损失曲面上同台对比",

    # Surfaces: names and what each one teaches.
    "surface": "损失曲面",
    "surface.ravine.name": "峡谷（病态的碗形曲面）",
    "surface.ravine.lesson": (
        "一个又长又窄的碗：横穿山谷方向的曲率是沿谷底方向的 40 倍。"
        "梯度指向横穿山谷的方向，所以普通的梯度下降在两侧谷壁之间来回“之”字形振荡，沿着谷底却只能缓慢爬行。动量法把“之”字形振荡平均掉；"
        "Adam 和 RMSProp 则对每个方向分别缩放。"),
    "surface.rosenbrock.name": "Rosenbrock（弯曲的山谷）",
    "surface.rosenbrock.lesson": (
        "找到这条弯曲的山谷很容易；沿着它平坦而弯曲的谷底走到 (1, 1) 处的最小值却很难。"
        "看看谁能到达，又用了多少步。"),
    "surface.himmelblau.name": "Himmelblau（四个最小值）",
    "surface.himmelblau.lesson": (
        "四个深度相同的最小值、一个最大值和四个鞍点。优化器最终到达哪个最小值，取决于它从哪里"
        "出发、又如何移动：点击图像即可尝试其他起点。"),
    "surface.beale.name": "Beale（大片平坦区域，边缘陡峭）",
    "surface.beale.lesson": (
        "在 (3, 0.5) 处的最小值附近非常平坦，而在四角极其陡峭：同一个学习率无法兼顾两者，"
        "这正是自适应方法大显身手的地方。"),
    "surface.rastrigin.name": "Rastrigin（许多局部最小值）",
    "surface.rastrigin.lesson": (
        "一个布满凸起的碗：步长较小的优化器都会困在离它最近的局部最小值里。噪声或更大的步长"
        "可以让它在不同的盆地之间跳跃。"),
    "surface.saddle.name": "鞍点",
    "surface.saddle.lesson": (
        "(0, 0) 处是一个严格鞍点：沿 y 方向是最小值，沿 x 方向是最大值。从稍稍偏离山脊的位置"
        "出发，梯度下降先滑向鞍点，在梯度几乎为零的地方停滞，然后逃离到 (±1, 0) 处的最小值。"
        "若恰好从 x = 0 出发，它就永远无法逃离，除非噪声把它推离山脊。"),
    "surface.plateau.name": "平坦区域（梯度消失）",
    "surface.plateau.lesson": (
        "一个盆地周围是一大片近乎平坦的台地。那里的梯度极小，所以普通的梯度下降只能缓慢爬行；"
        "而按梯度大小做除法的方法（RMSProp、Adam）照样迈出完整大小的步子。"),
    "surface.custom.name": "自定义：输入公式",
    "surface.custom.lesson": (
        "你自己定义的关于 x 和 y 的曲面，绘制范围为 [−3, 3]²（起点或轨迹在其外时会扩大）。"
        "可以使用：数字、x、y、pi、e、"
        "+ − * / **（或 ^；也可以粘贴数学符号：−、×、·、÷、π、√、x²、x⁻¹、e⁻ˣ、½，"
        "中文输入法打出的全角括号、逗号和运算符也可以），以及函数 {functions}。"
        "在折点处，梯度取范数最小的次梯度（由折点各侧的"
        "斜率得出）：|x| 在 x = 0 处取 0（sign(0) = 0，与 PyTorch 相同），√(x² + y²) 在原点处取 0，"
        "max(a, b) 和 min(a, b) 在 a = b 且两侧斜率相互抵消时也取 0，|x| + x/2 在 x = 0 处也取 0"
        "（两侧斜率 −1/2 与 3/2 夹住 0）；同一个函数无论怎样书写，结果都相同。"
        "在斜率为无穷大的地方（√x 在 x = 0 处），梯度无定义，该优化器就停在那里。"),
    "surface.expression": "f(x, y) =",
    "surface.expression.error": "无法使用这个公式：{error}",
    "surface.not_finite": "曲面在起点 ({x}, {y}) 处的值为无穷大。",
    "surface.not_finite.remedy": "请点击图中另一处作为起点，或修改公式（1/0 处处为无穷大）。",
    "surface.undefined": (
        "曲面在起点 ({x}, {y}) 处无定义：其值为 NaN（负数的平方根或对数、0/0、∞ − ∞）。"),
    "surface.undefined.remedy": "请点击图中画出曲面的地方作为起点，或修改公式。",
    "surface.nowhere.remedy": "视图内也处处没有有限值：请修改公式。",

    # 公式为何不能用（numerics.expression.ExpressionError，按错误代码）。
    "expr.not_text": "表达式必须是文本",
    "expr.too_long": "表达式太长（最多 {max} 个字符）",
    "expr.empty": "表达式为空；请输入一个关于 x 和 y 的公式，例如 x**2 + y**2",
    "expr.too_many_tokens": "第 {position} 个字符处：表达式太长（最多 {max} 个记号）",
    "expr.unexpected_character": (
        "第 {position} 个字符处有不允许的字符 {character}；"
        "只允许字母、数字、空格和 + - * / ^ ( ) , ."),
    "expr.unexpected_dot": (
        "第 {position} 个字符处有不允许的字符 “.”；“.” 只能出现在数字中，例如 0.5"),
    "expr.non_ascii": (
        "第 {position} 个字符处有不允许的字符 {character}；只允许使用半角 ASCII 字符，"
        "以及粘贴的数学符号 − × · ÷ π √ ² ⁻¹ ˣ ½（全角字符按半角读）"),
    "expr.malformed_number": "第 {position} 个字符处的数字格式不正确：“{text}”",
    "expr.implicit_product": "第 {position} 个字符处的“{text}”：请写成 {written}（乘法需要写出 *）",
    "expr.absolute_bars": "第 {position} 个字符处的 “|”：绝对值 |x| 请写成 abs(x)",
    "expr.ambiguous_root": (
        "第 {position} 个字符处的 “√” 后面跟着乘方：根号下的乘方请写成 √(x²)，"
        "根式的乘方请写成 (√x)²"),
    "expr.number_too_large": "第 {position} 个字符处的数字“{text}”太大（最大约为 1.8e308）",
    "expr.unmatched_close": "第 {position} 个字符处的 “)” 没有与之配对的 “(”",
    "expr.expected_operator": (
        "第 {position} 个字符处出现了意外的 “{token}”；此处应为运算符，例如 + - * / 或 **"
        "（乘法需要写出 *）"),
    "expr.expected_operand": (
        "第 {position} 个字符处出现了意外的 “{token}”；"
        "此处应为数字、x、y、常数、函数或 “(”"),
    "expr.expected_operand_end": (
        "表达式在第 {position} 个字符处意外结束；此处应为数字、x、y、常数、函数或 “(”"),
    "expr.unknown_name": (
        "第 {position} 个字符处有未知的名称 “{name}”；"
        "可以使用的名称：{names}，以及函数 {functions}"),
    "expr.needs_parentheses": (
        "第 {position} 个字符处的函数 “{name}” 需要加括号；请写成 {name}(...)"),
    "expr.one_argument": "第 {position} 个字符处：{name}() 需要 1 个参数，但给了 {count} 个",
    "expr.arguments": (
        "第 {position} 个字符处：{name}() 需要 {expected} 个参数，但给了 {count} 个"),
    "expr.missing_close": "缺少 “)”：第 {position} 个字符处的 “(” 没有闭合",
    "expr.expected_close": (
        "第 {position} 个字符处出现了意外的 “{token}”；"
        "此处应为 “)”，用来闭合第 {opening} 个字符处的 “(”"),
    "expr.too_deep": "第 {position} 个字符处：表达式嵌套太深（最多 {max} 层）",
    "expr.too_many_kinks": "|·|、max、min、√ 与分数次幂互相嵌套太多（最多 {max} 层）",

    # Optimizers.
    "optimizer.sgd": "SGD",
    "optimizer.momentum": "动量法",
    "optimizer.nesterov": "Nesterov 动量法",
    "optimizer.adagrad": "AdaGrad",
    "optimizer.rmsprop": "RMSProp",
    "optimizer.adam": "Adam",
    "optimizers": "优化器",
    "optimizers.none": "请至少选择一个优化器。",
    "race.diverged_hint": (
        "已发散：{names}。每一步都比上一步越过得更远，损失不断增大；"
        "较小的 α（在该优化器的卡片中设置）能让它留在曲面上。"),
    "race.outside_hint": (
        "超出了公式的定义域：{names}。某一步落在 L 没有定义的地方（如 x < 0 时的 √x）；"
        "较小的 α 步子更小。"),
    "race.unbounded_hint": (
        "一路下坡跑远了：{names}。损失无限下降：曲面沿它所走的方向一直向下。"
        "如果别处有山谷（局部最小值），较小的 α 或换一个起点也许能停在那里；"
        "如果没有（如 x·y），任何 α 都不行。"),
    "optimizer.momentum.note": (
        "有些教材写作 v ← μv + (1−μ)g：这等价于把本页规则中的 α 换成 α(1−μ)；"
        "因此用那种写法时，学习率取 α/(1−μ) 才与本页等效。"),
    "optimizer.nesterov.note": "梯度在 θ 处计算，再用前瞻项 μv 加以修正。",
    "optimizer.adagrad.note": (
        "s 只增不减，所以每个坐标的步长 α/(√s + ε) 不断缩小。"
        "g²、√ 与 ⊘（除法）均按坐标逐个计算。"),
    "optimizer.rmsprop.note": (
        "与 AdaGrad 类似，但 s 是指数加权移动平均：每一步保留旧值的 ρ 倍。"
        "g²、√ 与 ⊘（除法）均按坐标逐个计算。"),
    "optimizer.adam.note": (
        "动量法加上 RMSProp，再加上偏差修正。g²、√ 与 ⊘（除法）均按坐标逐个计算。"),
    "optimizer.no_bias_correction": "已关闭偏差修正：m̂ = m，v̂ = v。",
    "hp.lr": "学习率 α",
    "hp.mu": "动量 μ",
    "hp.rho": "衰减率 ρ",
    "hp.beta1": "β₁",
    "hp.beta2": "β₂",
    "hp.eps": "ε",
    "hp.bias_correction": "偏差修正",

    # Run settings.
    "run": "运行",
    "start": "起点（点击图像即可移动）",
    "start.x": "x₀",
    "start.y": "y₀",
    "steps": "步数",
    "noise": "梯度噪声 σ",
    "noise.help": "g̃ = ∇L + σξ，ξ ~ N(0, I)：模拟小批量带来的噪声（所有优化器共用同一个 ξ）。",
    "seed": "随机种子",
    "schedule": "学习率调度",
    "schedule.constant": "常数：αₜ = α",
    "schedule.step": "分段：每 N 步除以 k",
    "schedule.exponential": "指数：αₜ = α·γᵗ⁻¹",
    "schedule.inverse_time": "1/t 衰减：αₜ = α / (1 + (t−1)/N)",
    "schedule.cosine": "余弦：αₜ = α(1 + cos(π(t−1)/T))/2，T = 步数",
    "schedule.every": "N（步）",
    "schedule.factor": "k（除数）",
    "schedule.gamma": "γ（每步）",
    "clip": "梯度裁剪",
    "clip.none": "不裁剪",
    "clip.value": "按值：gᵢ ← clip(gᵢ, −c, c)",
    "clip.norm": "按范数：g ← g·min(1, c/‖g‖)",
    "clip.value_label": "c",
    "view": "显示",
    "view.log_loss": "损失图使用对数刻度",
    "view.arrows": "箭头（梯度、速度、更新步）",
    "view.paths": "完整路径（淡色）",
    "view.3d": "三维视图",
    "view.3d.azimuth": "旋转（拖动图像）",
    "view.3d.elevation": "俯仰",
    "view.3d.loss_log": "L(θ)（对数刻度）",
    "reset": "恢复该曲面的默认设置",
    "speed": "每帧步数",

    # Plots and readouts.
    "plot.surface": "损失曲面与轨迹",
    "plot.surface.short": "损失曲面",
    "plot.loss": "损失随步数的变化",
    "plot.loss.log": "L − Lₘᵢₙ（对数刻度）",
    "plot.loss.linear": "L(θ)",
    "plot.step": "步数 t",
    "plot.axis.x": "x",
    "plot.axis.y": "y",
    "plot.start": "起点",
    "plot.arrows_scale": "箭头按 ×{scale} 绘制",
    "plot.arrows_true": "箭头按实际长度绘制",
    "plot.arrows_longer": "箭头 ×{scale}",
    "plot.arrows_shorter": "箭头按 1/{scale} 的长度绘制",
    "plot.tool.pan": "平移",
    "plot.tool.wheel_zoom": "滚轮缩放",
    "plot.tool.box_zoom": "框选缩放",
    "plot.tool.reset": "重置视图",
    "plot.tool.save": "保存为 PNG",
    "plot.tool.hover": "悬停查看数值",
    "plot.tool.tap": "点击选择",
    "plot.tool.fullscreen": "全屏",
    "plot.arrows_legend": (
        "点线：−αg，普通梯度下降的一步；虚线：−αv，即速度（Adam 为 −αm̂）；实线：实际迈出的一步"),
    "plot.arrow.gradient": "−α∇L（普通梯度下降的一步）",
    "plot.arrow.velocity": "−α·v（速度 / m̂）",
    "plot.arrow.step": "实际更新步 Δθ",
    "headline.loss_of": "损失 L（{optimizer}）",
    "headline.diverged": "已发散",
    "headline.outside": "超出定义域",
    "headline.undefined": "梯度无定义",
    "readout.title": "第 {step} 步时的状态",
    "readout.caption": "（{zoom}；{legend}）",
    "readout.theta": "θ",
    "readout.loss": "L",
    "readout.grad": "g",
    "readout.g_note.noise": (
        "此处 g 是更新实际使用的梯度：g̃ = ∇L + σξ，σ = {noise}，ξ 每一步重新抽取"
        "（所有优化器相同）。临界点检查给出的是 ∇L 本身。"),
    "readout.g_note.clip": (
        "此处 g 是更新实际使用的梯度：裁剪后的 ∇L（{clipping}）。临界点检查给出的是 ∇L 本身；"
        "点线箭头是 −α 乘以裁剪后的 g。"),
    "readout.g_note.both": (
        "此处 g 是更新实际使用的梯度：g̃ = ∇L + σξ，σ = {noise}（ξ 每一步重新抽取，"
        "所有优化器相同），再经过裁剪（{clipping}）。临界点检查给出的是 ∇L 本身。"),
    "readout.grad_undefined": "无定义（斜率无穷大）",
    "readout.row_step": "第 {step} 步，即其最后一步",
    "readout.subgradient": "不可导点：取范数最小的次梯度",
    "readout.velocity": "更新后的\u200b速度 v / m̂",
    "readout.effective_lr": "各维度的\u200b有效学习率 α",
    "formula.at_step": (
        "从第 {step} 步到第 {next} 步的更新，代入记录下的数值：右边是更新前的状态，"
        "左边是更新后的状态（即状态表中第 {step} 步的 v / m̂）。"),
    "formula.at_step.again": "第 {step}→{next} 步的更新，同上。",
    "formula.at_last_step": (
        "运行到第 {step} 步为止。下面代入数值演示下一步（第 {step}→{next} 步）的更新；"
        "状态表中第 {step} 步的 v / m̂ 和箭头也属于这一步。"),
    "formula.schedule_ended": (
        "余弦调度在第 {next} 步已降到 α = 0（T = {steps}）：按 ← 查看仍有位移的更新。"),
    "input.key_refused": "这里只能输入数字：“{text}”未被输入。",
    "input.key_refused_integer": "这里只能输入整数：“{text}”未被输入。",
    "input.not_a_number": "不是数字",
    "input.not_finite": "不是有限数",
    "input.not_integer": "不是整数",
    "input.outside": "超出范围 [{low}, {high}]",
    "input.refused": "未采用 {value}（{reason}）：正在使用 {used}。",
    "run.lr_zero": (
        "学习率调度在第 {step} 步把 α 降到了 0：此后没有优化器再移动。请选择更小的 k、"
        "更大的 N 或 γ，或换一种调度。"),
    "status.diverged": "在第 {step} 步发散",
    "status.undefined": "在第 {step} 步梯度无定义",
    "status.outside": "第 {step} 步无函数值（超出公式的定义域）",
    "status.converged": "L = {loss}",
    "plot.legend_item": "{optimizer}：{status}",
    "formulas": "更新规则（代入你的取值）",
    "critical": "临界点检验",
    "critical.at_start": "在起点处",
    "critical.at_stopped_iterate": (
        "在 {optimizer} 最后的迭代点处，第 {step} 步（此处梯度无定义：已停止）"),
    "critical.at_iterate": "在 {optimizer} 第 {step} 步的迭代点处",
    "critical.gradient": "梯度",
    "critical.subgradient": "不可导点：这里的梯度取范数最小的次梯度。",
    "critical.eigenvalues": "海森矩阵特征值",
    "critical.verdict.minimum": "局部最小值（所有特征值 > 0）",
    "critical.verdict.maximum": "局部最大值（所有特征值 < 0）",
    "critical.verdict.saddle": "鞍点（特征值有正有负）",
    "critical.verdict.degenerate": "退化情形（有一个特征值为零：此检验无法判定）",
    "critical.verdict.minimum.short": "局部最小值",
    "critical.verdict.maximum.short": "局部最大值",
    "critical.verdict.saddle.short": "鞍点",
    "critical.verdict.degenerate.short": "退化情形",
    "critical.values_no_hessian": "{gradient} = ({gx}, {gy})；此处海森矩阵无定义",
    "critical.values": "{gradient} = ({gx}, {gy})；{eigenvalues} = {e1}, {e2}",
    "critical.not_finite_line": "**{title}**（{x}, {y}）：此处 L 为无穷大。",
    "critical.undefined_line": "**{title}**（{x}, {y}）：此处 L 无定义（NaN）。",
    "critical.undefined_gradient_line": (
        "**{title}**（{x}, {y}）：L = {loss}；此处梯度无定义（斜率为无穷大），"
        "任何优化器都无法从这一点迈出一步。"),
    "critical.is_critical_degenerate": (
        "∇L = 0：这是一个临界点，但二阶导数检验无法判断其类型（有一个特征值为零）"),
    "critical.is_critical_kink": (
        "0 是这里的一个次梯度：这是不可导点处的临界点，二阶导数检验在此不适用"),
    "critical.is_critical": "∇L = 0：这是一个临界点，是{verdict}",
    "critical.not_critical": "∇L ≠ 0：这不是临界点；此处的曲率{shape}",
    "critical.shape.minimum": "像碗底（两个特征值都 > 0）",
    "critical.shape.maximum": "像山顶（两个特征值都 < 0）",
    "critical.shape.saddle": "像鞍点附近（特征值有正有负）",
    "critical.shape.degenerate": "在一个方向上是平的（有一个特征值为零）",
    "critical.shape.flat": "在每个方向上都是平的（两个特征值都为零：此处是一个平面）",
    "critical.shape.undefined": "未知：此处海森矩阵无定义",
    "critical.points": "该曲面的临界点（将鼠标悬停在标记上可查看其海森矩阵的特征值）：",
    "critical.points.none": "在当前视图附近没有找到该曲面的临界点。",
    "critical.while_playing": "暂停后显示当前迭代点处的分析。",
    # The MLP lab.
    "lab.mlp": "神经网络",
    "mlp.presets": "教学示例",
    "mlp.preset.default": "重新开始",
    "mlp.preset.overfit": "过拟合",
    "mlp.preset.underfit": "欠拟合",
    "mlp.presets.hint": (
        "每个示例都会新建一个网络：按 ▶ 播放，观察曲线的变化。"
        "带讲解的分步课程见本栏底部的“分步课程”。"),
    "mlp.remedies": "过拟合示例的补救办法：",
    "mlp.preset.overfit_dropout": "+ 暂退法",
    "mlp.preset.overfit_l2": "+ L2 正则化",
    "mlp.preset.overfit_early_stop": "+ 早停",
    "mlp.data": "数据",
    "mlp.dataset": "数据集",
    "mlp.dataset.circle": "圆形",
    "mlp.dataset.xor": "异或（XOR）",
    "mlp.dataset.gaussian": "两个高斯分布",
    "mlp.dataset.spiral": "螺旋",
    "mlp.dataset.moons": "双月形",
    "mlp.dataset.three_class": "三个类别",
    "mlp.noise": "噪声（%）",
    "mlp.points": "点数",
    "mlp.train_ratio": "训练集比例（%）",
    "mlp.train_ratio.few": (
        "只有 {n} 个数据点：训练集比例设为 100% 时全部用于训练"
        "（没有验证集；曲线和解读随后只看训练损失）。"),
    "mlp.seed": "随机种子",
    "mlp.features": "输入特征",
    "mlp.normalise": "标准化输入（在训练集上变为均值 0、标准差 1）",
    "mlp.network": "网络",
    "mlp.layers": "隐藏层（每层的神经元数，例如 8,8；0 = 线性模型）",
    "mlp.layers.empty": (
        "未输入内容：请输入每层的神经元数（例如 8,8），或输入 0 表示线性模型；正在使用 {used}。"),
    "mlp.layer.add": "+ 一层",
    "mlp.layer.remove": "− 一层",
    "mlp.layer.width": "第 {n} 层",
    "mlp.regenerate": "新数据（种子 + 1）",
    "mlp.activation": "激活函数",
    "mlp.activation.linear": "线性（无激活）",
    "mlp.activation.relu": "ReLU",
    "mlp.activation.sigmoid": "sigmoid",
    "mlp.activation.tanh": "tanh",
    "mlp.init": "初始化",
    "mlp.init.he": "He (Kaiming)",
    "mlp.init.small_uniform": "小范围均匀（±0.5）",
    "mlp.init.xavier": "Xavier (Glorot)",
    "mlp.init.zeros": "全零",
    "mlp.batchnorm": "批量规范化",
    "mlp.training": "训练（运行时修改立即生效）",
    "mlp.optimizer": "优化器",
    "mlp.lr": "学习率 α",
    "mlp.knobs_of": "{optimizer} 的超参数：",
    "mlp.knobs_of_race": "对比中各优化器的超参数：",
    "mlp.batch": "批量大小",
    "mlp.batch.label": "批量大小（更改后从新的网络重新开始）",
    "mlp.batch.topped_up": (
        "{n} 个训练点，小批量大小 {b}：一个迭代周期 {updates} 次更新，"
        "最后一个小批量用本周期已用过的 {extra} 个点补齐。"),
    "mlp.l1": "L1 正则化系数 λ₁（每步之后 w ← sign(w)·max(|w| − α·λ₁, 0)）",
    "mlp.l2": "L2 正则化系数 λ₂（损失 + λ₂ Σ W²，只含权重，不含偏置；曲线只画损失本身）",
    "mlp.dropout": (
        "暂退法（Dropout）概率 p（训练时以 q = 1 − p 保留并乘以 1/q；曲线按全部单元计算）"),
    "mlp.play": "▶ 播放",
    "mlp.pause": "❚❚ 暂停",
    "mlp.step": "+1 迭代周期",
    "mlp.reset": "重置",
    "mlp.speed": "每帧迭代周期数",
    "mlp.speed.max": "最快",
    "mlp.epoch": "迭代周期",
    "mlp.link_epoch_note": (
        "链接最多记录到第 {epoch} 个迭代周期：本页的链接、刷新或切换语言都会在第 {epoch} "
        "个迭代周期重新打开。"),
    "mlp.train_loss": "训练损失",
    "mlp.val_loss": "验证损失",
    "mlp.show_val": "显示验证集的点",
    "mlp.key.named_class": "{color}：类别 {k}",
    "mlp.key.caption": "{classes}；{shade}",
    "color.orange": "橙色",
    "color.blue": "蓝色",
    "color.green": "绿色",
    "color.purple": "紫色",
    "color.brown": "棕色",
    "color.pink": "粉色",
    "color.grey": "灰色",
    "color.olive": "橄榄色",
    "color.cyan": "青色",
    "color.red": "红色",
    "mlp.key.class": "类别 {k}",
    "mlp.key.soft2": "背景：属于类别 1 的概率，50% 处为白色",
    "mlp.key.softk": "背景：预测的类别，越不确定颜色越浅",
    "mlp.key.hard": "背景：预测的类别",
    "mlp.key.points": "● 训练样本点",
    "mlp.key.val": "，▲ 验证样本点",
    "mlp.plot.boundary": "网络的预测结果",
    "mlp.plot.loss": "交叉熵随迭代周期的变化",
    "mlp.plot.accuracy": "准确率随迭代周期的变化",
    "mlp.plot.epoch": "迭代周期",
    "mlp.plot.train": "训练集",
    "mlp.plot.val": "验证集",
    "mlp.plot.best": "最佳迭代周期",
    "mlp.plot.gap": "差距",
    "mlp.plot.race_lines": "实线：训练集，虚线：验证集",
    "mlp.readout.whose": "{what}（{optimizer}）",
    "mlp.readout.accuracy": "（准确率 {value}）",

    # Figures out of the page (ui.export).
    "export.download": "下载",
    "export.figure": "整图（图表与设置）",
    "export.defaults": "默认设置",
    "export.epoch": "迭代周期 {epoch}",
    # 导出图的说明文字（ui.caption）。
    "caption.setting": "{label}：{value}",
    "caption.list": "、",
    "caption.with": "{name}，{settings}",
    "caption.separator": " · ",
    "caption.no_bias_correction": "无偏差修正",
    "caption.race": "对比",
    "caption.race_each": "{racers}（均为 {settings}）",
    "caption.racer_lr": "{name}（α = {lr}）",
    "caption.steps": "{steps} 步",
    "caption.arrows": "箭头为所示步的状态，已按比例放大以便看清：{legend}",
    "caption.marks": "标记：{marks}",
    "caption.mark.start": "✕ 起点",
    "caption.mlp.marks": "○ 训练点、△ 验证点",
    "caption.step_of": "第 {step} 步（共 {steps} 步）",
    "caption.mlp.noise": "噪声 {value}%",
    "caption.mlp.points": "{value} 个点",
    "caption.mlp.train_ratio": "训练集比例 {value}%",
    "caption.mlp.seed": "随机种子 {value}",
    "caption.mlp.normalised": "输入已标准化",
    "caption.mlp.no_hidden": "无隐藏层",
    "caption.mlp.layer": "1 个隐藏层（宽度 {widths}）",
    "caption.mlp.layers": "{n} 个隐藏层（宽度 {widths}）",
    "caption.mlp.l1": "L1 正则化系数 λ₁ = {value}",
    "caption.mlp.l2": "L2 正则化系数 λ₂ = {value}",
    "export.page": "导出页面（HTML）",
    "export.step": "步数",
    "export.sweep": "{optimizer} 的{knob}",
    "export.sweep.off": "关",
    "export.sweep.on": "开",
    "export.note.optimizers": (
        "这是一份记录：所有图像都在导出页面时计算完成。拖动步数滑块或点击播放；"
        "第二个滑块在 {n} 个预先算好的取值之间切换（{optimizer}：{knob}，从 {low} 到 {high}）。"),
    "export.every": "每 {n} 个迭代周期",
    "export.every.one": "每个迭代周期",
    "export.note.mlp": (
        "这是一份记录：导出页面时网络训练了 {epochs} 个迭代周期，{every}保存一次"
        "预测（共 {n} 张图）。拖动迭代周期滑块或点击播放。"),
    "export.note.biasvariance": (
        "这是一份记录：导出页面时已在 {sets} 个训练集上按 {n} 个容量（{symbol} 从 {low} 到 "
        "{high}）算好了每一个拟合。拖动容量滑块或点击播放；点击一条拟合曲线可显示它的训练集。"),
    "export.note.biasvariance_sets": (
        "为了让文件小一些，只画出了 {sets} 个训练集中 {kept} 个的拟合；偏差²、方差和各项误差"
        "仍按全部 {sets} 个训练集计算。"),
    "mlp.diverged": (
        "训练在第 {epoch} 个迭代周期发散：损失变成了无穷大或 NaN，因此训练停在了最后一个"
        "数值有限的网络上。请降低学习率，然后点击“重置”。"),
    "mlp.reading.early": "点击“播放”开始训练网络，或点“+1 迭代周期”只训练一个迭代周期。",
    "mlp.reading.underfit": (
        "**欠拟合**（高偏差）：两条损失都很高，而且彼此接近。模型无法表示数据中的规律："
        "请增加隐藏层或神经元、加入非线性特征，或者训练更长时间。"),
    "mlp.reading.overfit": (
        "**过拟合**（高方差）：训练损失持续下降，验证损失却在上升，或者远高于训练损失。"
        "网络正在学习少量样本点中的噪声和偶然特征：请使用更多数据、更小的网络、L2 正则化或暂退法，"
        "或者在验证损失最低的地方停止训练。"),
    "mlp.reading.overfit_noise_free": (
        "**过拟合**（高方差）：训练损失持续下降，验证损失却在上升，或者远高于训练损失。"
        "网络拟合的是少量训练样本点恰好所在的位置，而不是它们之间的规律：请使用更多数据、"
        "更小的网络、L2 正则化或暂退法，或者在验证损失最低的地方停止训练。"),
    "mlp.reading.note.dropout": "暂退法 p = {value}",
    "mlp.reading.note.remedies_on": (
        "这里已经启用了：{remedies}；取更大的值、使用更多数据或更小的网络会有帮助。"),
    "mlp.reading.note.held_back": "这里同样在限制网络的是：{remedies}；取更小的值会有帮助。",
    "mlp.reading.unstable": (
        "**训练不稳定**：训练损失来回振荡或不降反升，说明每一步都迈过了头。"
        "这不是模型的问题：请降低学习率 α（或者裁剪梯度，或使用衰减的学习率调度）。"),
    "mlp.normalised": (
        "坐标轴显示数据的原始值；网络看到的是标准化后的输入，"
        "x̂ = (x − μ) / σ，μ 和 σ 取自训练集（{features}）。"),
    "critical.at_last_iterate": (
        "在 {optimizer} 最后一个有限的迭代点处，第 {step} 步（它在第 {diverged} 步发散）"),
    "critical.at_last_iterate_outside": (
        "在 {optimizer} 的最后一个迭代点处，第 {step} 步（第 {diverged} 步超出了公式的定义域）"),
    "mlp.catching_up": "正在按链接训练到第 {epoch} 个迭代周期……",
    "mlp.compiling": "正在编译新网络…",
    "surface.expression.compiling": "正在编译公式…",
    "mlp.reading.learning": (
        "**仍在学习**：训练损失还很高，而且仍在下降。继续训练（点击“播放”），看曲线最终停在"
        "哪里，再判断拟合的好坏。"),
    "mlp.reading.underfit_vanishing": (
        "**欠拟合**（高偏差）：两条损失都停在接近随机猜测的水平。{layers} 个 sigmoid 隐藏层"
        "使梯度在反向传回前几层的途中逐层衰减（每层 sigmoid′ ≤ 1/4，即梯度消失），前几层几乎"
        "学不到东西；网络本身能够表示这个规律。换用 ReLU 加 He 初始化，或加入批量规范化，"
        "会有帮助；增加层数则不会。"),
    "mlp.reading.good": "**拟合良好**：验证损失随训练损失一同下降，并且始终与之接近。",
    "mlp.reading.no_validation": (
        "**只有训练数据**（训练集比例为 100%：没有验证点）。网络拟合了它所训练的点；它能否泛化、"
        "是否过拟合，没有留出的验证数据就无法判断。"),
    "mlp.reading.underfit_no_validation": (
        "**欠拟合**（高偏差）：训练损失一直很高，模型无法表示这个模式：请增加隐藏层或神经元、"
        "非线性特征，或者训练更久。（没有验证点：无法判断是否过拟合。）"),
    "mlp.error.layers": "无法使用这些层：{error}",
    "layers.empty": "缺少某一层的宽度",
    "layers.not_integer": "{item} 不是整数",
    "layers.width": "每层应有 1 到 {max} 个神经元，而不是 {width} 个",
    "layers.too_many": "最多 {max} 个隐藏层",
    "mlp.upload.failed": "无法读取该文件：{error}",
    "mlp.doc.train_ratio": "用于训练的样本点所占的百分比；100 表示没有验证集",
    "mlp.doc.schedule_every": "分段与 1/t 衰减的 N、余弦调度的 T，均以迭代周期计",
    "mlp.doc.schedule_factor": "k（分段调度）",
    "mlp.doc.schedule_gamma": "每个迭代周期的 γ（指数调度）",
    "mlp.doc.race": "2–4 个优化器并排训练同一个网络",
    "mlp.doc.discretize": "热力图只显示预测的类别",
    "mlp.doc.early_stop": "验证损失不再下降时暂停训练",
    "mlp.doc.patience": "没有改进的迭代周期数",
    "mlp.invalid.batch_training_set": (
        "小批量最多包含整个训练集：小批量大小已改为 {n}（训练点足够多时恢复为所设的 {asked}）。"),
    "mlp.invalid.batchnorm_batch": (
        "批量规范化要求每个小批量至少有 2 个样本（只有一个样本的小批量没有方差）：小批量大小已改为 "
        "2。"),
    "mlp.invalid.batchnorm_one_example": (
        "批量规范化要求每个小批量至少有 2 个样本，而训练集只有 1 个样本：批量规范化已关闭。"
        "请增加数据点或提高训练集比例。"),
    "mlp.invalid.batchnorm_linear": "批量规范化作用于隐藏层；线性模型没有隐藏层。",
    "mlp.invalid.dropout_linear": "暂退法（Dropout）作用于隐藏层；线性模型没有隐藏层。",
    "mlp.invalid.early_stop_race": "优化器对比时不使用早停。",
    "mlp.invalid.no_features": "请至少选择一个输入特征：现在使用 x₁ 和 x₂。",
    "mlp.invalid.lr_zero": (
        "学习率调度在第 {epoch} 个迭代周期把 α 降到了 0：训练已无法再改变网络。"
        "请选择更小的 k、更大的 N、T 或 γ、换一种调度，或点击“重置”。"),
    "mlp.early_stopped.no_validation": (
        "在第 {epoch} 个迭代周期提前停止：没有验证点（训练集比例为 100%），所以早停监视的是训练"
        "损失，它自第 {best} 个迭代周期以来已有 {patience} 个迭代周期没有改善。"),
    "mlp.no_validation": "无",
    "mlp.dataset.uploaded": "上传的 CSV",
    # 上传的 CSV 文件为何不能用（numerics.datasets.DatasetError，按错误代码）。
    "csv.binary": "这看起来是二进制文件，而不是 CSV 文本（其中含有 NUL 字节）",
    "csv.not_text": "应为文件的文本或字节，而不是 {type}",
    "csv.too_large": "文件太大：{size:,} 字节（上限为 {limit:,} 字节）",
    "csv.utf16": "该文件是 UTF-16 文本，不是 UTF-8；请另存为 CSV（UTF-8）格式",
    "csv.not_utf8": (
        "该文件不是 UTF-8 文本（位置 {position} 处有无法解码的字节）；"
        "请另存为 CSV（UTF-8）格式"),
    "csv.not_a_number": "第 {line} 行：{column} 不是数字：{value}",
    "csv.not_finite": "第 {line} 行：{column} 不是有限数：{value}",
    "csv.too_large_value": "第 {line} 行：{column} = {value} 超出了 ±{limit:g}（请缩放数据）",
    "csv.columns": "第 {line} 行：应有 3 个以逗号分隔的值（x1,x2,label），但找到 {n} 个",
    "csv.columns_not_commas": (
        "第 {line} 行：应有 3 个以逗号分隔的值（x1,x2,label），但找到 {n} 个；"
        "请用逗号分隔各个值"),
    "csv.empty": "文件是空的",
    "csv.unreadable_line": "第 {line} 行：无法读取这些值（{error}）",
    "csv.empty_label": "第 {line} 行：标签为空",
    "csv.too_many_rows": "行数太多：超过了 {n:,} 个样本点的上限",
    "csv.one_row": "只有 1 行数据；至少需要 {min} 个样本点",
    "csv.too_few_rows": "只有 {n} 行数据；至少需要 {min} 个样本点",
    "csv.label_not_class": "第 {line} 行：标签 {label} 不是类别编号 0..K−1（K ≤ {max}）",
    "csv.label_not_integer": (
        "第 {line} 行：标签 {label} 不是整数；标签必须是整数 0..K−1 或类别名称"),
    "csv.labels_not_contiguous": (
        "整数标签必须恰好是 0..{last}，且每个类别都要出现；实际为 {found}"),
    "csv.one_class": "只有一个类别（{name}）；标签至少需要 2 个类别",
    "csv.too_many_classes": "类别太多：{k} 个（上限为 {max}）",
    "data.unknown": "未知的数据集 {name}；可选：{names}",
    "data.points": "样本点数必须是 {low} 到 {high} 之间的整数，而不是 {value}",
    "data.noise": "噪声必须是 0 到 {high:g} 之间的百分比，而不是 {value}",
    "data.seed": "随机种子必须是非负整数，而不是 {value}",
    "data.train_ratio": "训练集比例必须是 {low:g} 到 {high:g} 之间的百分比，而不是 {value}",
    "data.cannot_split": "无法把 {n} 个样本点分成两个非空的部分",
    "data.features_type": "输入特征必须是名称列表，而不是 {value}",
    "data.no_feature": "请至少从 {names} 中选择一个输入特征",
    "data.unknown_feature": "未知的特征 {name}；可选：{names}",
    "data.feature_twice": "特征 {name} 出现了不止一次",
    "mlp.upload.choose": "选择 CSV 文件…",
    "mlp.upload.note": (
        "上传一个 CSV 文件，每行为 x1,x2,label（表头行可有可无）。链接无法携带上传的文件："
        "请直接分享文件本身。"),
    "mlp.log_loss": "损失用对数刻度",
    "mlp.discretize": "离散化输出",
    "mlp.race": "优化器对比（选择 2–4 个：相同的网络，相同的起点）",
    "mlp.race.too_many": "一次对比最多有 {n} 个优化器：只取前 {n} 个。",
    "mlp.race.too_few": (
        "一次对比至少需要两个优化器（只勾选了 {optimizer}）：训练的是单个网络，"
        "使用上方所选的优化器（{single}）。"),
    "mlp.race.all_diverged": "对比中的所有优化器都发散了。请降低 α 或点击“重置”。",
    "mlp.race.diverged": "在第 {epoch} 个迭代周期发散",
    "mlp.race.frame": "每张图：x₁ 横向从 {x0} 到 {x1}，x₂ 纵向从 {y0} 到 {y1}。",
    "mlp.race.optimizer": "优化器",
    "mlp.race.lr": "α",
    "unit.percent": "{value}%",
    "mlp.race.val_acc": "验证准确率",
    "mlp.race.reading": "判断",
    "mlp.reading.early.short": "尚难判断",
    "mlp.reading.underfit.short": "欠拟合",
    "mlp.reading.overfit.short": "过拟合",
    "mlp.reading.overfit_noise_free.short": "过拟合",
    "mlp.reading.unstable.short": "不稳定",
    "mlp.reading.no_validation.short": "没有验证点",
    "mlp.reading.underfit_no_validation.short": "欠拟合",
    "mlp.reading.good.short": "拟合良好",
    "mlp.reading.learning.short": "仍在学习",
    "mlp.reading.underfit_vanishing.short": "欠拟合（梯度消失）",
    "mlp.race.note": (
        "对比时：每个优化器都在相同的小批量上训练相同的初始网络；上面的设置对所有优化器"
        "都适用，α 也是如此，除非某个优化器在下面有自己的 α（留空：使用上面的 α）。"),
    "mlp.racer_lr": "α（{optimizer}）",
    "mlp.hp": "优化器设置",
    "mlp.schedule": "学习率调度（e：已训练的迭代周期数，每次更新后增加一个小数部分）",
    "mlp.schedule.constant": "常数：α",
    "mlp.schedule.step": "分段：每 N 个迭代周期将 α 除以 k",
    "mlp.schedule.exponential": "指数：α·γ^e",
    "mlp.schedule.inverse_time": "1/t 衰减：α / (1 + e/N)",
    "mlp.schedule.cosine": "余弦：α(1 + cos(π·e/T))/2",
    "mlp.schedule.every": "N 或 T（迭代周期数）",
    "mlp.schedule.factor": "k（除数）",
    "mlp.schedule.gamma": "γ（每个迭代周期）",
    "mlp.clip": "梯度裁剪",
    "mlp.clip.value": "阈值 c",
    "mlp.lr_now": "当前 α：{lr}",
    "mlp.lr_now.racer": "{name} {lr}",
    "mlp.early_stop": "早停",
    "mlp.patience": "耐心值（迭代周期数）",
    "mlp.restore_best": "恢复最佳模型",
    "mlp.best": "最低验证损失 {loss}，出现在第 {epoch} 个迭代周期",
    "mlp.best.no_validation": "没有验证点：最低训练损失 {loss}，出现在第 {epoch} 个迭代周期",
    "mlp.early_stopped": (
        "已在第 {epoch} 个迭代周期提前停止：自第 {best} 个迭代周期以来，验证损失已经连续 "
        "{patience} 个迭代周期没有改善。点击“恢复最佳模型”可取回那个迭代周期的网络。"),
    "mlp.net.title": "网络内部：每个神经元在整个平面上计算的结果",
    "mlp.net.inputs": "输入",
    "mlp.net.layer": "第 {layer} 层",
    "mlp.net.output": "输出",
    "mlp.net.neuron": "第 {layer} 层，第 {unit} 个神经元",
    "mlp.net.output_unit": "p{sub}（类别 {k} 的概率）",
    "mlp.net.pick": (
        "或按编号选择权重（Tab 键切换，输入后按回车）。第 l 组权重从前一层连入第 l 层："
        "第 1 组来自输入，最后一组连入输出："),
    "mlp.net.pick_layer": "第 l 组权重",
    "mlp.net.pick_from": "起始神经元",
    "mlp.net.pick_to": "目标神经元",
    "mlp.net.pick_none": "没有这个权重：层号为 1–{layers}，单元从 1 开始编号（先输入，再逐层）。",
    "mlp.net.hint": "点击一条边（一个权重）即可编辑。",
    "mlp.net.weight": "从 <b>{source}</b> 到 <b>{target}</b> 的权重",
    "mlp.net.value": "数值（按回车键确认）",
    "mlp.net.after_edit": (
        "本次编辑后：训练损失 {train}，验证损失 {val}。曲线记录的是下一个迭代周期，"
        "它从编辑后的网络继续训练。"),
    "mlp.net.legend": (
        "每个方块显示一个神经元在整个平面上的输出：{units}"
        "输出方块 pₖ 是类别 k 的概率，用该类别的颜色表示：白色为 0，最深为 1。边表示权重："
        "蓝色为正，橙色为负，|w| 越大线越粗。将鼠标悬停在边上可查看它的数值。"),
    "mlp.net.units.signed": "蓝色为正，橙色为负，白色为 0。",
    "mlp.net.units.sigmoid": (
        "sigmoid 的输出在 0 与 1 之间，所以蓝色高于 ½，橙色低于 ½，白色为 ½"
        "（输入：蓝色为正，橙色为负，白色为 0）。"),
    "mlp.weight.not_a_number": "请输入一个数作为权重。",
    "mlp.weight.not_finite": "权重必须是有限数，不能是 {value}。",
    "mlp.weight.outside": "{value} 超出范围：权重必须介于 −{limit} 和 {limit} 之间。",
    "mlp.weight.no_such": "该网络的第 {layer} 层没有权重 W[{i}, {j}]。",
    "mlp.weight.too_many": "一个链接最多记录 {n} 处权重修改：请重置网络后再修改。",
    "mlp.weight.not_in_link": "链接无法到达第 {epoch} 个迭代周期之后的网络：它不包含这次修改。",
    "mlp.edits.dropped": "链接中的一处权重修改未被采用：{problem}",
    "url.ignored": "链接中被忽略的部分：{problems}",
    "url.unusable": "无法使用此链接；实验以默认设置启动。",
    "url.problem": "{field}={value}（{reason}）",
    "url.separator": "；",
    "text.sentences": "{first}{second}",
    "url.more_problems": "另有 {n} 处",
    "widget.colon": "：",
    "url.reason.too_many_fields": "另有 {n} 个字段超出了前 {max} 个的上限",
    "url.reason.twice": "出现了两次：使用第一个",
    "url.reason.flag": "应为 1 或 0",
    "url.reason.unknown_items": "未知的取值 {items}",
    "url.reason.choices": "应为以下之一：{choices}",
    "url.reason.not_integer": "不是整数",
    "url.reason.not_number": "不是数字",
    "url.reason.not_finite": "不是有限数",
    "url.reason.outside": "超出范围 [{low}, {high}]",
    "url.reason.unreadable": "无法读取",
    "url.reason.unknown_key": "未知的键",
    "url.reason.unknown_lab": "未知的实验",
    "url.reason.expr_not_custom": "仅在 surface=custom 时可用",
    "url.reason.uploaded": "链接无法携带上传的文件",
    "url.reason.batch": "超过了训练样本点数 {n}",
    "url.reason.not_racing": "该优化器不在对比之中",
    "url.reason.edits_many": "最多 {n} 处修改",
    "url.reason.edit_form": (
        "{item} 不符合 EPOCH:LAYER:FROM:TO:VALUE 的格式（迭代周期 EPOCH 为 0–{max}，"
        "层 LAYER 与单元 FROM、TO 从 1 开始编号，VALUE 为权重）"),
    "url.reason.edit_value": "{item}：权重必须介于 −{limit} 和 {limit} 之间",
    "url.reason.edit_order": "{item}：修改须按先后顺序排列（迭代周期不能减小）",
    "url.reason.edit_after": "有修改晚于链接的迭代周期 {epoch}",
    "url.reason.edit_no_weight": "该网络的第 {layer} 层没有权重 W[{i}, {j}]",
    "url.reason.no_feature": "至少要选择一个",
    "url.reason.race": "最多 {n} 个优化器",
    "url.reason.at_least": "至少为 {low}",
    "url.reason.past_last_step": "超过了最后一步，即第 {last} 步：显示最后一步",
    "url.reason.capacity": "超出此模型族的范围 [{low}, {high}]",
    "url.reason.not_computed": "不在计算的容量之中：显示最接近的 {nearest}",
    "url.reason.no_such_set": "没有这个训练集：共 {sets} 个",
    "url.reason.lesson_name": "不是课程名称",
    "url.reason.no_lesson": "没有这节课程",
    "url.reason.lesson_of_lab": "这一步属于“{lab}”实验",
    "error.unexpected": "计算本次运行时出错：{error}",
    "app.build_failed": "无法构建实验：{error}",
    # The bias–variance lab.
    "lab.biasvariance": "偏差与方差",
    "bv.axis.features": "特征数 p（容量向右增大 →）",
    "bv.axis.knn": "近邻数 k（k 越大容量越小 →）",
    "bv.axis.network": "隐藏单元数 h（容量向右增大 →）",
    "bv.axis.poly": "次数 d（容量向右增大 →）",
    "bv.axis.error": "均方误差",
    "bv.busy": "正在用每个训练集训练每种宽度…… {percent}%",
    "bv.busy.fits": "正在对每个训练集拟合每种容量…… {percent}%",
    "bv.capacity.poly": "次数 d（即容量）",
    "bv.capacity.knn": "近邻数 k（k 越大容量越小）",
    "bv.capacity.features": "特征数 p（即容量）",
    "bv.capacity.network": "隐藏单元数 h（即容量）",
    "bv.curve.bias2": "偏差²",
    "bv.curve.noise": "噪声 σ²",
    "bv.curve.test_error": "实测测试误差",
    "bv.curve.total": "偏差² + 方差 + σ²",
    "bv.curve.train_error": "训练误差",
    "bv.definitions.note": (
        "fₘ：对第 m 个训练集（共 M 个）的拟合；f̄：它们的平均；⟨·⟩ₓ：对测试输入取平均。"
        "两者都是对训练集期望的无偏估计（f̄ 本身是 M 个拟合的平均，它自身的波动，即方差/M，"
        "已从偏差² 中扣除）。"),
    "bv.term.test": "测试误差",
    "bv.term.bias": "偏差",
    "bv.term.variance": "方差",
    "bv.curve.variance": "方差",
    "bv.curves.title": "误差随容量变化",
    "bv.data": "真实函数与数据",
    "bv.datasets": "训练集个数 M",
    "bv.family": "模型族",
    "bv.family.features": "随机 ReLU 特征（p）",
    "bv.family.features.note": (
        "第一层是固定（不训练）的 p 个 ReLU 单元，斜率随机，拐点按随机顺序放在每组训练输入之间；"
        "输出层取最小范数最小二乘解。当 p = n 时，"
        "这些特征恰好能插值 n 个样本点：注意测试误差在那里出现峰值，随后再次下降（双下降）；"
        "λ > 0 会压平这个峰。若训练输入均匀随机，少数训练集中有两个输入几乎重合或有一大段空白："
        "它们的拟合远远偏离数据（p < n 时也是如此），并主导平均值"
        "（λ > 0 或均匀铺开的输入可以抑制）。"),
    "bv.family.knn": "k 近邻",
    "bv.family.knn.note": "取 k 个最近训练样本目标值的平均。k 越大容量越小；λ 不适用。",
    "bv.knn.upto_n": "这里 k 从 1 到 n = {n}：近邻数不能超过训练点数。",
    "bv.knn.upto_max": "这里 k 从 1 到 {high}，即本实验计算的最大值。",
    "bv.family.network": "神经网络，单隐藏层（宽度 h）",
    "bv.family.network.note": (
        "tanh 单元，从同一个起点出发，用 500 步全批量 Adam 训练；λ 是 L2 正则化项。"
        "超过几个单元之后，测试误差几乎不变，方差也只是缓慢增长："
        "500 步不足以让网络穿过每个带噪声的点，即使网络很宽"
        "（训练误差始终明显大于 0），所以更宽的网络的各个拟合之间几乎不会更不一致。"
        "限制拟合的是训练时间，而不是宽度：提前停止本身就是一种正则化"
        "（训练时间增加到 8 倍，h = 32 处的方差约增加到 3 倍）。"
        "在每个训练集上计算所有宽度约需半分钟（进度条显示进度）。"),
    "bv.family.poly": "多项式（次数 d）",
    "bv.family.poly.note": "在勒让德（Legendre）基下做最小二乘；λ > 0 会收缩系数（岭回归）。",
    # (Short enough for two columns in lecture mode beside the open controls, as English.)
    "bv.fits.each": "各训练集的拟合",
    "bv.fits.mean": "平均拟合 f̄",
    "bv.fits.band": "f̄ ± 2 倍标准误",
    "bv.fits.points": "它的训练样本点",
    "bv.fits.shown": "点选的训练集拟合",
    "bv.fits.shown.figure": "一个训练集的拟合",
    "bv.fits.title": "多个训练集上的拟合",
    "bv.fits.truth": "真实函数 f",
    "bv.model": "模型族与容量",
    "bv.n": "每个训练集的样本点数 n",
    "bv.inputs": "训练输入 x",
    "bv.inputs.spread": "均匀铺开（[0, 1] 的每个 n 等分区间各一个）",
    "bv.inputs.uniform": "均匀随机",
    "bv.inputs.spread.short": "在 [0, 1] 上均匀铺开",
    "bv.inputs.uniform.short": "均匀随机",
    "bv.noise": "噪声 σ",
    "bv.bias2_zero": (
        "在 {where} 处，偏差² 画作 0（位于图的下边界以下）：在那里它与 0 的差距在抽样误差之内"
        "（M 个训练集无法把它与 0 区分开：f̄ 偏离真实函数的幅度与它自身的误差相当，即阴影带）。"),
    "bv.poly_threshold": (
        "从 d = {d} 起，多项式的系数个数不少于每个训练集的点数（n = {n}）：每个训练集都被恰好"
        "拟合，取系数最小的那个多项式（Φ⁺y）。与随机特征在 p > n 时一样，那里的误差可能再次"
        "下降（第二次下降），也可能继续上升。"),
    "bv.above_top": (
        "在 {where} 处，测试误差超出图的上边界（最高达 {peak}）：坐标轴在此截断，"
        "使其余的曲线仍然看得清。"),
    "bv.where.from": "{symbol} ≥ {value}",
    "bv.where.at": "{symbol} = {values}",
    "bv.reading.high_bias": (
        "高偏差：在 {symbol} = {value} 时，平均拟合偏离真实函数；增加容量会有帮助。"),
    "bv.reading.high_variance": (
        "高方差：在 {symbol} = {value} 时，不同训练集上的拟合彼此差别很大；"
        "减小容量、增加数据或增大 λ 会有帮助。"),
    "bv.reading.high_variance_knn": (
        "高方差：在 k = {value} 时，每个拟合只跟随少数几个带噪声的近邻，换一个训练集就大不相同；"
        "增大 k（减小容量）或增加数据会有帮助。"),
    "bv.reading.high_bias_knn": (
        "高偏差：在 k = {value} 时，每个拟合平均了太多近邻，平均拟合偏离真实函数；"
        "减小 k（增加容量）会有帮助。"),
    "bv.reading.bias_yet_less": (
        "偏差²已超过方差，但减小容量反而更好：在 {symbol} = {value} 时，平均拟合对真实函数的"
        "偏离大于各拟合之间的分歧，但增加容量并不能让它更接近真实函数："
        "测试误差在 {symbol} = {best} 时最低。"),
    "bv.reading.variance_yet_falling": (
        "方差已超过偏差²，但增加容量仍有帮助：在 {symbol} = {value} 时，各拟合之间的分歧"
        "已大于平均拟合对真实函数的偏离，但增加容量使偏差²的下降超过方差的增长："
        "测试误差在 {symbol} = {best} 时最低。"),
    "bv.reading.near_threshold": (
        "接近插值阈值的高方差：在 p = {value} < n = {n} 时，拟合越来越接近经过每一个带噪声的"
        "训练点。减小容量、增加数据或增大 λ 会有帮助，增加容量也会：越过 p = n 后误差再次下降"
        "（双下降）。"),
    "bv.reading.at_threshold": (
        "插值阈值处的高方差：在 p = n = {n} 时，每个拟合都必须经过每一个带噪声的训练点。"
        "减小容量、增加数据或增大 λ 会有帮助，增加容量也会：越过 p = n 后误差再次下降"
        "（双下降）。"),
    "bv.reading.high_bias_ridge": (
        "高偏差：在 {symbol} = {value} 时，平均拟合偏离真实函数，增加容量也无济于事："
        "岭参数 λ 束缚了每一个拟合。减小 λ 会有帮助。"),
    "bv.reading.near_best": "接近最佳容量：在 {symbol} = {value} 时，偏差² + 方差接近其最小值。",
    "bv.reading.past_threshold": (
        "越过插值阈值：特征数 p = {value} > n = {n}，每个训练集都被精确拟合，"
        "而随着 p 增大，最小范数解变得更平滑。"),
    "bv.reading.unstable": (
        "拟合不稳定：在 p = {value} 时，不同训练集上的拟合远远偏离数据，"
        "而越过 p = n 后误差也没有降回来。训练输入均匀随机时，有些训练集中两个输入几乎重合，"
        "或有一大段空白，特征的拐点在那里放大了噪声，p < n 时与 p > n 时都是如此。"
        "岭参数 λ > 0 或均匀铺开的输入可以抑制这种震荡。"),
    "bv.reading.past_threshold_ridge": (
        "越过插值阈值：特征数 p = {value} > n = {n}，但 λ > 0 时拟合是岭回归解："
        "它们并不经过每个训练点，λ 使它们保持平滑。"),
    "bv.ridge": "岭参数 λ",
    "bv.seed": "随机种子",
    "bv.threshold": "p = n",
    "bv.truth": "真实函数 f(x)",
    "bv.truth.abs": "|x − ½|",
    "bv.truth.cubic": "三次函数",
    "bv.truth.sin": "sin 2πx",
    "bv.truth.step": "在 x = ½ 处的阶跃",
    # Lessons (ui.lesson): the bar, the sidebar's card, a lesson file's problems.
    "lesson.heading": "课程：{title}",
    "lesson.panel": "分步课程",
    "lesson.step": "第 {k} 步，共 {n} 步",
    "lesson.back": "上一步",
    "lesson.next": "下一步",
    "lesson.close": "关闭",
    "lesson.changed": "页面的设置已不是本步的设置：说明文字描述的是本步的设置。",
    "lesson.restore": "恢复本步设置",
    "lesson.pick": "逐步演示一节准备好的课程（“下一步”“上一步”，或 PageDown 和 PageUp 键）：",
    "lesson.choose": "选择课程文件…",
    "lesson.upload": "或打开你自己的课程文件（JSON 或 YAML）：",
    "lesson.loading": "正在加载课程……",
    "lesson.refused": "无法使用这个课程文件：{error}",
    "lesson.not_kept": "这个标签页已不再保存上传的课程，请重新打开课程文件。",
    "lesson.where.file": "文件",
    "lesson.where.title": "标题",
    "lesson.where.step": "第 {k} 步",
    "lesson.error.unknown": "没有名为 {name} 的课程。",
    "lesson.error.too_big": "{where}有 {size} 字节，超过了允许的 {limit} 字节。",
    "lesson.error.not_utf8": "{where}不是 UTF-8 文本。",
    "lesson.error.syntax": "{where}既不是 JSON 也不是 YAML（第 {line} 行）。",
    "lesson.error.unreadable": "{where}嵌套太深或含有过长的数字，无法读取。",
    "lesson.error.not_a_lesson": "{where}必须是一个含有 title 和 steps 的映射。",
    "lesson.error.duplicate_key": "{where}两次给出了键 {field}。",
    "lesson.error.unknown_key": "{where}含有未知的键：{field}。",
    "lesson.error.missing": "{where}缺少 {field}。",
    "lesson.error.not_text": "{where}需要一段文本，或每种语言（en、zh）各一段文本。",
    "lesson.error.too_long": "{where}：有一段文本超过了 {limit} 个字符。",
    "lesson.error.no_steps": "{where}需要一个至少含有一步的列表。",
    "lesson.error.too_many_steps": "{where}有 {count} 步，超过了允许的 {limit} 步。",
    "lesson.error.not_a_step": "{where}必须是一个含有 link 和 caption 的映射。",
    "lesson.error.bad_link": "{where}的链接页面无法读取：{problem}。",

    # Keyboard shortcuts (ui.keyboard) and the help overlay (?).
    "keys.title": "键盘快捷键",
    "keys.note": "在输入框中打字时，快捷键不起作用。",
    "keys.close_button": "关闭",
    "keys.help": "显示本帮助",
    "keys.close": "关闭本帮助",
    "keys.none": "在这个实验中没有作用",
    "keys.bv.right": "容量滑块前进一格",
    "keys.bv.left": "容量滑块后退一格",
    "keys.bv.set": "突出显示下一个（上一个）训练集的拟合",
    "keys.lesson.next": "课程：下一步",
    "keys.lesson.back": "课程：上一步",
    "keys.opt.play": "播放或暂停对比",
    "keys.opt.right": "步数滑块前进一步（按速度设定的步数）",
    "keys.opt.left": "步数滑块后退一步",
    "keys.opt.reset": "回到第 0 步",
    "keys.mlp.play": "开始或暂停训练",
    "keys.mlp.right": "训练一个迭代周期（+1 迭代周期）",
    "keys.mlp.left": "没有作用：训练无法撤销",
    "keys.mlp.reset": "重置：一个新的网络",
    "keys.player.first": "第一步",
    "keys.player.previous": "后退一步",
    "keys.player.reverse": "倒放",
    "keys.player.pause": "暂停",
    "keys.player.play": "播放",
    "keys.player.next": "前进一步",
    "keys.player.last": "最后一步",
    "keys.player.slower": "减速",
    "keys.player.faster": "加速",
    "keys.increase": "增大",
    "keys.decrease": "减小",
    "keys.player.scrubber": "显示的步数",
}
