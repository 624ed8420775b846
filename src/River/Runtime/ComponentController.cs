using System.Diagnostics;
using Microsoft.Extensions.Logging;
using River.Diagnostics;
using River.Syntax;
using River.Values;

namespace River.Runtime;

/// <summary>The outcome of applying a configuration: success, or the diagnostics that made it fail.</summary>
public sealed record ApplyResult(bool Success, IReadOnlyList<Diagnostic> Diagnostics, DateTimeOffset Time)
{
    /// <summary>The error diagnostics only.</summary>
    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == Severity.Error);
}

/// <summary>
/// Owns the running graph. <see cref="ApplyAsync"/> loads a configuration transactionally (everything is planned,
/// decoded and built before anything running is touched); the evaluation loop re-evaluates the dependants of
/// components whose exports changed, on its own task, coalescing bursts.
/// </summary>
public sealed class ComponentController : IAsyncDisposable
{
    private readonly SemaphoreSlim _graphLock = new(1, 1);
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly Lock _queueGate = new();
    private readonly List<ComponentNode> _queue = [];
    private readonly HashSet<ComponentNode> _queued = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger;
    private RuntimeGraph _graph = RuntimeGraph.Empty;
    private Task? _loop;
    private int _signalled;

    /// <summary>Creates a controller; call <see cref="Start"/> to run its evaluation loop.</summary>
    public ComponentController(ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Metrics = options.Metrics ?? new RuntimeMetrics("0.0.0");
        _logger = options.LoggerFactory.CreateLogger("controller");
    }

    /// <summary>The options the controller was created with.</summary>
    public ControllerOptions Options { get; }

    /// <summary>River's own metrics.</summary>
    public RuntimeMetrics Metrics { get; }

    internal IComponentEvaluator Evaluator => Options.Evaluator;

    /// <summary>True once a configuration has been applied successfully.</summary>
    public bool Loaded { get; private set; }

    /// <summary>The last apply's result (null before the first).</summary>
    public ApplyResult? LastResult { get; private set; }

    /// <summary>The installed components in topological order (dependencies first).</summary>
    public IReadOnlyList<ComponentNode> Components => _graph.Order;

    /// <summary>Finds an installed component by id.</summary>
    public bool TryGetComponent(string id, out ComponentNode node) => _graph.Nodes.TryGetValue(id, out node!);

    /// <summary>The components <paramref name="node"/> references.</summary>
    public IReadOnlyList<ComponentNode> DependenciesOf(ComponentNode node) => _graph.DependenciesOf(node);

    /// <summary>The components that reference <paramref name="node"/>.</summary>
    public IReadOnlyList<ComponentNode> DependantsOf(ComponentNode node) => _graph.DependantsOf(node);

    /// <summary>Starts the evaluation loop.</summary>
    public void Start() => _loop ??= Task.Run(() => EvaluationLoopAsync(_stopping.Token));

    /// <summary>
    /// Applies parsed files: plan the graph, decode every component's arguments in dependency order and build new
    /// components. Any error leaves the running graph untouched (new instances built on the way are disposed).
    /// On success, unchanged components keep running, changed ones get <see cref="IComponent.Update"/>, removed ones
    /// are stopped and disposed (dependants first), new ones start (dependencies first).
    /// </summary>
    public async Task<ApplyResult> ApplyAsync(IReadOnlyList<ConfigFile> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        await _graphLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await ApplyLockedAsync(files).ConfigureAwait(false);
            LastResult = result;
            if (result.Success)
            {
                Loaded = true;
                Metrics.LoadSucceeded(files.Select(f => f.Source.Text));
            }
            else
            {
                Metrics.LoadFailed();
            }

            Metrics.SetRunning(_graph.Order);
            return result;
        }
        finally
        {
            _graphLock.Release();
        }
    }

    /// <summary>Records a load that failed before reaching the controller (unreadable file, syntax errors).</summary>
    public ApplyResult RecordFailure(IReadOnlyList<Diagnostic> diagnostics)
    {
        var result = new ApplyResult(false, diagnostics, DateTimeOffset.UtcNow);
        LastResult = result;
        Metrics.LoadFailed();
        return result;
    }

    private async Task<ApplyResult> ApplyLockedAsync(IReadOnlyList<ConfigFile> files)
    {
        StartupTrace.Mark("hash");
        var plan = GraphLoader.Plan(files, Options.Registry, Options.Evaluator, Options.Stability);
        StartupTrace.Mark("plan");
        var diagnostics = plan.Diagnostics;
        if (diagnostics.HasErrors)
        {
            return new ApplyResult(false, diagnostics.Items.ToList(), DateTimeOffset.UtcNow);
        }

        var logging = new LoggingArguments();
        if (plan.Logging is { } loggingBlock)
        {
            var decoded = Options.Evaluator.DecodeArguments(
                loggingBlock.Block, loggingBlock.Source, typeof(LoggingArguments), EmptyScope, Options.Stability, diagnostics);
            if (decoded is LoggingArguments l)
            {
                logging = l;
            }
        }

        // Stage: decode and build every component in dependency order against the staged nodes' exports. Runs of
        // components that do not depend on each other are staged in parallel when long enough; diagnostics and the
        // staged list keep the plan's order either way.
        var old = _graph;
        var count = plan.Components.Count;
        var nodes = new Dictionary<string, ComponentNode>(count, StringComparer.Ordinal);
        var nodeList = new ComponentNode[count];
        var outcomes = new (DiagnosticBag? Diagnostics, StagedComponent? Staged)[count];
        var created = ComponentNode.Created(); // one record for every new node of this load
        void StageAt(int i)
        {
            var declaration = plan.Components[i];
            var reused = old.Nodes.TryGetValue(declaration.Id, out var existing) && existing.Registration == declaration.Registration;
            nodeList[i] = reused ? existing! : new ComponentNode(this, declaration.Registration, declaration.Id, declaration.Block, declaration.Source, created)
            {
                Logger = RiverLoggerProvider.ForComponent(Options.LoggerFactory, declaration.Id),
            };
            outcomes[i] = Stage(declaration, nodeList[i], reused, nodeList);
        }

        // A run reads the nodes of earlier runs (its dependencies) from nodeList, by position.
        foreach (var (from, to) in IndependentRuns(plan))
        {
            ForEachIndex(from, to, StageAt);
        }

        for (var i = 0; i < count; i++)
        {
            nodes.Add(plan.Components[i].Id, nodeList[i]);
        }

        var staged = new List<StagedComponent>(count);
        foreach (var (local, stagedComponent) in outcomes)
        {
            if (local is not null)
            {
                diagnostics.AddRange(local.Items);
            }

            if (stagedComponent is { } stagedOne)
            {
                staged.Add(stagedOne);
            }
        }

        if (diagnostics.HasErrors)
        {
            foreach (var s in staged.Where(s => s.IsNew))
            {
                await s.Node.StopAsync(Options.ShutdownDeadline).ConfigureAwait(false);
            }

            return new ApplyResult(false, diagnostics.Items.ToList(), DateTimeOffset.UtcNow);
        }

        StartupTrace.Mark("decode+build");

        // Commit.
        var graph = RuntimeGraph.Create(plan, nodeList, nodes);
        var removed = old.Order.Where(n => !nodes.TryGetValue(n.Id, out var kept) || kept != n).Reverse().ToList();
        foreach (var node in removed)
        {
            await node.StopAsync(Options.ShutdownDeadline).ConfigureAwait(false);
        }

        _graph = graph;

        // One record for the components not updated here (health records are immutable): a large first load would
        // otherwise stamp and allocate one per component within the same millisecond.
        var evaluated = ComponentHealth.Healthy("component evaluated");
        foreach (var s in staged)
        {
            s.Node.Block = s.Declaration.Block;
            s.Node.Source = s.Declaration.Source;
            if (!s.IsNew && s.Changed)
            {
                try
                {
                    s.Node.Update(s.Arguments, s.Encoded);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The new arguments were valid but the component refused them: it keeps its old arguments.
                    s.Node.SetEvalHealth(ComponentHealth.Unhealthy("component evaluation failed: updating component: " + ex.Message));
                    _logger.LogError(ex, "updating component {Id} failed", s.Node.Id);
                    continue;
                }
            }

            s.Node.SetEvalHealth(!s.IsNew && s.Changed ? ComponentHealth.Healthy("component evaluated") : evaluated);
        }

        StartupTrace.Mark("commit");
        // The run loops are started from another thread: with thousands of new components, queueing them all would
        // otherwise hold up the end of the load (and /-/ready, which like Alloy's means "loaded", not "running").
        var launches = new List<Task<Task>>();
        var started = ComponentNode.Started(); // the run health of every passive component started here
        foreach (var s in staged.Where(s => s.IsNew))
        {
            s.Node.IsLive = true;
            if (s.Node.PrepareStart(started) is { } launch)
            {
                launches.Add(launch);
            }

            // Exports published between this node's staging and now were not seen by its dependants.
            if (s.Node.ExportsVersion != s.ExportsVersionAtStaging)
            {
                EnqueueExportsChanged(s.Node);
            }
        }

        if (launches.Count > 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(
                static all =>
                {
                    foreach (var launch in all)
                    {
                        launch.Start(TaskScheduler.Default);
                    }
                },
                launches,
                preferLocal: false);
        }

        StartupTrace.Mark("start");
        Options.OnLoggingChanged?.Invoke(logging);
        _logger.LogInformation("config loaded: {Count} components ({New} new, {Removed} removed)", graph.Order.Count, staged.Count(s => s.IsNew), removed.Count);
        return new ApplyResult(true, diagnostics.Items.ToList(), DateTimeOffset.UtcNow);
    }

    private static readonly IReadOnlyDictionary<string, Value> EmptyScope = new Dictionary<string, Value>();

    /// <summary>
    /// Independent components staged in parallel from this many on: below it, handing work to other threads costs
    /// more than it saves (and a small config stays on one thread).
    /// </summary>
    internal const int ParallelStagingThreshold = 64;

    /// <summary>
    /// Splits the plan's topological order into consecutive runs of components none of which references another
    /// of its run: every dependency of a run is staged in an earlier one.
    /// </summary>
    internal static IEnumerable<(int From, int To)> IndependentRuns(LoadPlan plan)
    {
        var from = 0;
        for (var i = 0; i < plan.Components.Count; i++)
        {
            // A dependency placed in [from, i) belongs to the current run. (Only a plan with a cycle, which keeps the
            // declaration order, has dependencies placed after their dependant.)
            foreach (var position in plan.Components[i].DependencyPositions)
            {
                if (position >= from && position < i)
                {
                    yield return (from, i);
                    from = i;
                    break;
                }
            }
        }

        if (from < plan.Components.Count)
        {
            yield return (from, plan.Components.Count);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> for every index of [<paramref name="from"/>, <paramref name="to"/>): shared with
    /// the other cores (<see cref="ForEachShared"/>) from <see cref="ParallelStagingThreshold"/> indexes on, else on
    /// this thread in order. The indexes must be independent of each other.
    /// </summary>
    internal static void ForEachIndex(int from, int to, Action<int> body)
    {
        if (to - from >= ParallelStagingThreshold && Environment.ProcessorCount > 1)
        {
            ForEachShared(from, to, body);
            return;
        }

        for (var i = from; i < to; i++)
        {
            body(i);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> for every index of [<paramref name="from"/>, <paramref name="to"/>) on this thread
    /// and on helpers from the thread pool (one per other core), each taking the next index as it goes. The calling
    /// thread never waits for a helper that has not started (on a busy machine it may simply do everything itself),
    /// only for indexes a helper has taken. The first exception is rethrown here.
    /// </summary>
    internal static void ForEachShared(int from, int to, Action<int> body)
    {
        if (from >= to)
        {
            return;
        }

        var work = new SharedRange(from, to, body);
        for (var helper = 1; helper < Environment.ProcessorCount && helper < to - from; helper++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static w => w.Run(), work, preferLocal: false);
        }

        work.Run();
        work.Wait();
    }

    private sealed class SharedRange(int from, int to, Action<int> body)
    {
        // Indexes are taken a chunk at a time: two atomic operations per chunk instead of per index, and each thread
        // writes its results to its own stretch of the caller's arrays. Small enough that the threads still finish
        // together (about eight chunks per core), at most 32 indexes.
        private readonly int _chunk = Math.Clamp((to - from) / (Environment.ProcessorCount * 8), 1, 32);
        private readonly ManualResetEventSlim _done = new();
        private int _next = from;
        private int _pending = to - from;
        private System.Runtime.ExceptionServices.ExceptionDispatchInfo? _failure;

        public void Run()
        {
            int start;
            while ((start = Interlocked.Add(ref _next, _chunk) - _chunk) < to)
            {
                var end = Math.Min(start + _chunk, to);
                for (var i = start; i < end; i++)
                {
                    try
                    {
                        body(i);
                    }
                    catch (Exception ex)
                    {
                        Interlocked.CompareExchange(ref _failure, System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex), null);
                    }
                }

                if (Interlocked.Add(ref _pending, start - end) == 0)
                {
                    _done.Set();
                }
            }
        }

        public void Wait()
        {
            _done.Wait();
            _failure?.Throw();
        }
    }

    /// <summary>
    /// Decodes one component against its dependencies' exports and builds it (or, for a kept node, compares its
    /// arguments). May run on several threads at once for independent components.
    /// </summary>
    private (DiagnosticBag? Diagnostics, StagedComponent? Staged) Stage(
        ComponentDeclaration declaration, ComponentNode node, bool reused, ComponentNode[] staged)
    {
        var traced = StartupTrace.Allocated();
        var started = Stopwatch.GetTimestamp();
        var dependencies = declaration.DependencyPositions;
        var scope = dependencies.Length == 0 ? EmptyScope : BuildScope(NodesAt(dependencies, staged));
        var local = ScratchDiagnostics.Rent();
        var arguments = Options.Evaluator.DecodeArguments(
            declaration.Block, declaration.Source, declaration.Registration.ArgumentsType, scope, Options.Stability, local);
        Metrics.ObserveEvaluation(Stopwatch.GetElapsedTime(started));
        StartupTrace.Add("decode", traced);
        if (arguments is null || local.HasErrors)
        {
            return (ScratchDiagnostics.Keep(local), null);
        }

        if (reused)
        {
            var encoded = TryEncode(arguments);
            return (ScratchDiagnostics.Keep(local), new StagedComponent(node, declaration, arguments, encoded, IsNew: false, Changed: !ArgumentsEqual(encoded, node), 0));
        }

        traced = StartupTrace.Allocated();
        try
        {
            // The arguments of a new component are encoded only when they are first compared (next evaluation).
            node.Build(arguments);
            StartupTrace.Add("build", traced);
            return (ScratchDiagnostics.Keep(local), new StagedComponent(node, declaration, arguments, null, IsNew: true, Changed: true, node.ExportsVersion));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            local.Error(declaration.Source, declaration.Block.NameSpan, "Failed to build component: building component: " + ex.Message);
            return (ScratchDiagnostics.Keep(local), null);
        }
    }

    // Not a lambda in Stage: its closure would be allocated for every component, dependencies or not.
    private static IEnumerable<ComponentNode> NodesAt(int[] positions, ComponentNode[] nodes)
    {
        foreach (var position in positions)
        {
            yield return nodes[position];
        }
    }

    /// <summary>Queues a node whose exports changed; its dependants are evaluated on the controller's loop.</summary>
    internal void EnqueueExportsChanged(ComponentNode node)
    {
        lock (_queueGate)
        {
            if (_queued.Add(node))
            {
                _queue.Add(node);
            }
        }

        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _signal.Release();
        }
    }

    private async Task EvaluationLoopAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(token).ConfigureAwait(false);
                Volatile.Write(ref _signalled, 0);
                await _graphLock.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                ProcessQueue();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogError(ex, "evaluation loop failed");
            }
            finally
            {
                _graphLock.Release();
            }
        }
    }

    /// <summary>
    /// Drains the queue until it stays empty: each batch re-evaluates the distinct direct dependants of the changed
    /// nodes in topological order; dependants whose own exports change enqueue themselves, so propagation proceeds
    /// breadth-first and stops where exports stop changing.
    /// </summary>
    private void ProcessQueue()
    {
        var batch = new List<ComponentNode>();
        var dependants = new List<ComponentNode>();
        var seen = new HashSet<ComponentNode>();
        while (true)
        {
            batch.Clear();
            lock (_queueGate)
            {
                batch.AddRange(_queue);
                _queue.Clear();
                _queued.Clear();
            }

            if (batch.Count == 0)
            {
                Metrics.SetQueueSize(0);
                Metrics.SetRunning(_graph.Order);
                return;
            }

            Metrics.SetQueueSize(batch.Count);
            var graph = _graph;
            dependants.Clear();
            seen.Clear();
            foreach (var node in batch)
            {
                if (!graph.Contains(node))
                {
                    continue;
                }

                foreach (var dependant in graph.DependantsOf(node))
                {
                    if (seen.Add(dependant))
                    {
                        dependants.Add(dependant);
                    }
                }
            }

            if (dependants.Count > 1)
            {
                dependants.Sort((a, b) => graph.RankOf(a).CompareTo(graph.RankOf(b)));
            }

            foreach (var dependant in dependants)
            {
                Evaluate(dependant, graph);
            }
        }
    }

    /// <summary>Re-evaluates one installed node: decode, and Update only when the arguments changed.</summary>
    private void Evaluate(ComponentNode node, RuntimeGraph graph)
    {
        var started = Stopwatch.GetTimestamp();
        var diagnostics = new DiagnosticBag();
        var arguments = Options.Evaluator.DecodeArguments(
            node.Block, node.Source, node.Registration.ArgumentsType, BuildScope(graph.DependenciesOf(node)), Options.Stability, diagnostics);
        if (arguments is null || diagnostics.HasErrors)
        {
            var first = diagnostics.Items.FirstOrDefault(d => d.Severity == Severity.Error);
            node.SetEvalHealth(ComponentHealth.Unhealthy("component evaluation failed: " + (first?.ToString() ?? "decoding configuration failed")));
        }
        else if (TryEncode(arguments) is var encoded && ArgumentsEqual(encoded, node))
        {
            node.SetEvalHealth(ComponentHealth.Healthy("component evaluated"));
        }
        else
        {
            try
            {
                node.Update(arguments, encoded);
                node.SetEvalHealth(ComponentHealth.Healthy("component evaluated"));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                node.SetEvalHealth(ComponentHealth.Unhealthy("component evaluation failed: updating component: " + ex.Message));
                node.Logger.LogError(ex, "updating component failed");
            }
        }

        Metrics.ObserveEvaluation(Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// The scope of one evaluation: each dependency's exports placed at its dotted id, so that
    /// <c>a.b.c.x</c> reads field <c>x</c> of the exports of <c>a.b.c</c>.
    /// </summary>
    internal static IReadOnlyDictionary<string, Value> BuildScope(IEnumerable<ComponentNode> dependencies)
    {
        Dictionary<string, object>? root = null;
        foreach (var dependency in dependencies)
        {
            root ??= new Dictionary<string, object>(StringComparer.Ordinal);
            var parts = dependency.IdParts;
            var level = root;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                if (!level.TryGetValue(parts[i], out var child) || child is not Dictionary<string, object> branch)
                {
                    branch = new Dictionary<string, object>(StringComparer.Ordinal);
                    level[parts[i]] = branch;
                }

                level = branch;
            }

            level[parts[^1]] = dependency.Exports;
        }

        if (root is null)
        {
            return EmptyScope;
        }

        var scope = new Dictionary<string, Value>(root.Count, StringComparer.Ordinal);
        foreach (var (key, value) in root)
        {
            scope[key] = ToValue(value);
        }

        return scope;

        static Value ToValue(object item)
        {
            if (item is Value leaf)
            {
                return leaf;
            }

            var branch = (Dictionary<string, object>)item;
            var fields = new OrderedDictionary<string, Value>(branch.Count, StringComparer.Ordinal);
            foreach (var (key, value) in branch)
            {
                fields.Add(key, ToValue(value));
            }

            return new ObjectValue(fields);
        }
    }

    /// <summary>
    /// Deep equality of new arguments with a node's current ones, by their River encoding. Arguments that cannot be
    /// encoded count as changed: an extra Update is safe, a missed one is not.
    /// </summary>
    private static bool ArgumentsEqual(Value? encoded, ComponentNode node) =>
        encoded is not null && node.ArgumentsValue is { } current && current.Equals(encoded);

    internal Value? TryEncode(object arguments)
    {
        try
        {
            return Options.Evaluator.Encode(arguments);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogDebug(ex, "arguments of type {Type} cannot be encoded; they will always count as changed", arguments.GetType().Name);
            return null;
        }
    }

    /// <summary>Stops every component, dependants before their dependencies, and the evaluation loop.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        await _graphLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var graph = _graph;
            for (var i = graph.Order.Count - 1; i >= 0; i--)
            {
                var node = graph.Order[i];
                await node.StopAsync(Options.ShutdownDeadline).ConfigureAwait(false);
            }

            _graph = RuntimeGraph.Empty;
        }
        finally
        {
            _graphLock.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    // A struct: one per component of a load, kept only until the load is committed.
    private readonly record struct StagedComponent(
        ComponentNode Node,
        ComponentDeclaration Declaration,
        object Arguments,
        Value? Encoded,
        bool IsNew,
        bool Changed,
        long ExportsVersionAtStaging);
}

/// <summary>
/// The diagnostics bag of one component's staging or validation: one per thread, handed over (and replaced) only when
/// something was reported, so the components that report nothing (nearly all of a large config) allocate none.
/// </summary>
internal static class ScratchDiagnostics
{
    [ThreadStatic]
    private static DiagnosticBag? t_bag;

    /// <summary>An empty bag for this thread's next component.</summary>
    public static DiagnosticBag Rent()
    {
        var bag = t_bag;
        if (bag is null || bag.Items.Count > 0)
        {
            // A bag left with items (an exception between Rent and Keep) is never handed out again.
            t_bag = bag = new DiagnosticBag();
        }

        return bag;
    }

    /// <summary>The bag when it holds diagnostics (it is then the caller's and this thread gets a new one), else null.</summary>
    public static DiagnosticBag? Keep(DiagnosticBag bag)
    {
        if (bag.Items.Count == 0)
        {
            return null;
        }

        if (ReferenceEquals(t_bag, bag))
        {
            t_bag = null;
        }

        return bag;
    }
}
