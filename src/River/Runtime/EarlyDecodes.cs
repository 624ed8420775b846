using River.Diagnostics;
using River.Syntax;
using River.Values;

namespace River.Runtime;

/// <summary>
/// <c>river validate</c>'s argument decoding done while the file is still being parsed: each part of a large file
/// (<see cref="RiverParser.Parse(SourceFile, Action{ConfigFile})"/>) has its self-contained component blocks decoded
/// on the thread that just parsed it, while the part's syntax tree is still in that core's cache. Decoding the whole
/// tree afterwards instead reads it back from memory: on a 10 000-block file the decode's own time was mostly cache
/// misses on the tree (docs/BENCHMARKS.md, "Language", session 7).
/// </summary>
/// <remarks>
/// Only a block that can decode to nothing but what the later decode would give is taken early: a block with a
/// label, no identifier anywhere in its body (so no reference to another component, and no standard-library name),
/// whose name is a registered component at the allowed stability. <see cref="RiverHost.ValidateFiles"/> uses a
/// result only for a component of the plan that is that very block (matched by reference), with that registration
/// and no dependency, that the plan's checks did not fail; anything else is decoded as before. The outcome is
/// exactly the diagnostics the later decode would have made.
/// </remarks>
internal sealed class EarlyDecodes(ComponentRegistry registry, IComponentEvaluator evaluator, StabilityLevel stability)
{
    private readonly Lock _gate = new();
    private readonly List<Decoded[]> _parts = [];

    // After Complete: each source's results ordered by the block's start (blocks of one file never share a start), for
    // a binary search. Hashing the block objects instead costs a write to each one's header (its identity hash).
    private Dictionary<SourceFile, Decoded[]>? _bySource;
    private int _used;

    /// <summary>How many components took their result from here (<see cref="TryGet"/> returned true).</summary>
    public int Used => Volatile.Read(ref _used);

    /// <summary>Decodes a parsed part's eligible blocks (called by the parser, on its worker threads).</summary>
    public void OnPartParsed(ConfigFile part)
    {
        var decoded = new List<Decoded>(part.Body.Length);
        foreach (var statement in part.Body)
        {
            if (statement is not BlockStatement { HasNoIdentifiers: true, Label: not null } block
                || !registry.TryGet(block.Name, out var registration)
                || registration.Stability < stability)
            {
                continue;
            }

            var local = ScratchDiagnostics.Rent();
            evaluator.DecodeArguments(block, part.Source, registration.ArgumentsType, NoScope, stability, local);
            decoded.Add(new Decoded(block.Span.Start, block, part.Source, registration, ScratchDiagnostics.Keep(local)));
        }

        lock (_gate)
        {
            _parts.Add([.. decoded]);
        }
    }

    /// <summary>
    /// The diagnostics decoding <paramref name="component"/> makes, when its block was decoded early: true with null
    /// when there are none. Call only after <see cref="Complete"/>.
    /// </summary>
    public bool TryGet(ComponentDeclaration component, out DiagnosticBag? diagnostics)
    {
        diagnostics = null;
        if (_bySource is not { } bySource
            || component.Dependencies.Count != 0
            || !bySource.TryGetValue(component.Source, out var ordered))
        {
            return false;
        }

        var block = component.Block;
        var start = block.Span.Start;
        var (low, high) = (0, ordered.Length - 1);
        while (low <= high)
        {
            var mid = low + ((high - low) >> 1);
            var at = ordered[mid].Start;
            if (at < start)
            {
                low = mid + 1;
            }
            else if (at > start)
            {
                high = mid - 1;
            }
            else
            {
                var decoded = ordered[mid];
                if (!ReferenceEquals(decoded.Block, block) || !ReferenceEquals(decoded.Registration, component.Registration))
                {
                    return false;
                }

                diagnostics = decoded.Diagnostics;
                Interlocked.Increment(ref _used);
                return true;
            }
        }

        return false;
    }

    /// <summary>Orders the early results for look-up; call once parsing has finished, before any <see cref="TryGet"/>.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            var bySource = new Dictionary<SourceFile, Decoded[]>(ReferenceEqualityComparer.Instance);
            foreach (var group in _parts.Where(p => p.Length > 0).GroupBy(p => p[0].Source, (IEqualityComparer<SourceFile>)ReferenceEqualityComparer.Instance))
            {
                // The parts of a file do not overlap, and each part's blocks are in order: ordering the parts by their
                // first block orders the whole. One array of the exact size (no growing copies of 10 000 entries).
                var parts = group.OrderBy(p => p[0].Start).ToList();
                var ordered = new Decoded[parts.Sum(p => p.Length)];
                var at = 0;
                foreach (var part in parts)
                {
                    part.CopyTo(ordered, at);
                    at += part.Length;
                }

                bySource[group.Key] = ordered;
            }

            _bySource = bySource;
        }
    }

    private static readonly IReadOnlyDictionary<string, Value> NoScope = new Dictionary<string, Value>();

    // Start is the block's start offset, kept here so that the binary search reads no block (each one a likely cache miss).
    private readonly record struct Decoded(int Start, BlockStatement Block, SourceFile Source, ComponentRegistration Registration, DiagnosticBag? Diagnostics);
}
