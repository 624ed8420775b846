using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using River.Diagnostics;
using River.Syntax;
using River.Values;

namespace River.Eval;

/// <summary>
/// Decodes a block body (attributes and nested blocks, evaluated in a scope) into a typed argument class annotated
/// with <see cref="RiverAttribute"/>, <see cref="RiverBlockAttribute"/> and <see cref="RiverLabelAttribute"/>.
/// Defaults come from property initialisers (an absent block keeps the initialiser's instance); required
/// attributes and blocks, unknown names (with a did-you-mean), duplicates and attribute/block misuse are reported with
/// Alloy's messages; then <see cref="IValidatable.Validate"/> runs on every body that decoded cleanly, its errors
/// pointing at the named attribute or block. Every error of the body is reported, not only the first.
/// </summary>
public static class BodyDecoder
{
    /// <summary>Decodes a whole block (label included) into a new <typeparamref name="T"/>; null when any error was reported.</summary>
    public static T? Decode<T>(BlockStatement block, Scope scope, SourceFile? source, DiagnosticBag diagnostics)
        where T : class
    {
        return (T?)Decode(typeof(T), block, scope, source, diagnostics);
    }

    /// <summary>Decodes a whole block into a new instance of <paramref name="type"/>; null when any error was reported.</summary>
    public static object? Decode(Type type, BlockStatement block, Scope scope, SourceFile? source, DiagnosticBag diagnostics)
    {
        var ctx = DecodeContext.Rent(scope, source, diagnostics);
        try
        {
            var schema = RiverSchema.For(type);
            var instance = Create(type, schema, block.Span, ctx);
            if (instance is null)
            {
                return null;
            }

            var before = ctx.ErrorCount;
            if (schema is { Label: not null })
            {
                schema.SetLabel(instance, block.Label);
            }

            DecodeInto(instance, schema, block.Body, block.Span, ctx);
            return ctx.ErrorCount == before ? instance : null;
        }
        finally
        {
            DecodeContext.Return(ctx);
        }
    }

    /// <summary>
    /// Decodes a list of statements (a file or block body) into a new instance of <paramref name="type"/>.
    /// <paramref name="bodySpan"/> is where "missing required …" errors point (the whole block).
    /// </summary>
    public static object? DecodeBody(Type type, ImmutableArray<Statement> body, TextSpan bodySpan, Scope scope, SourceFile? source, DiagnosticBag diagnostics)
    {
        var ctx = DecodeContext.Rent(scope, source, diagnostics);
        try
        {
            var schema = RiverSchema.For(type);
            var instance = Create(type, schema, bodySpan, ctx);
            if (instance is null)
            {
                return null;
            }

            var before = ctx.ErrorCount;
            DecodeInto(instance, schema, body, bodySpan, ctx);
            return ctx.ErrorCount == before ? instance : null;
        }
        finally
        {
            DecodeContext.Return(ctx);
        }
    }

    /// <summary>Typed convenience for <see cref="DecodeBody(Type, ImmutableArray{Statement}, TextSpan, Scope, SourceFile?, DiagnosticBag)"/>.</summary>
    public static T? DecodeBody<T>(ImmutableArray<Statement> body, TextSpan bodySpan, Scope scope, SourceFile? source, DiagnosticBag diagnostics)
        where T : class =>
        (T?)DecodeBody(typeof(T), body, bodySpan, scope, source, diagnostics);

    private sealed class DecodeContext
    {
        // One context per thread is kept for the next decode (the loader decodes every component's block), so a
        // decode allocates no bookkeeping; a nested decode on the same thread (from a Validate, say) gets a new one.
        [ThreadStatic]
        private static DecodeContext? t_spare;

        // Attribute expressions report into this bag first, so that their diagnostics land after any error from the
        // property setter, as before; one bag (and one evaluator) serves the whole decode instead of one per attribute.
        private DiagnosticBag _scratch = new();

        private DecodeContext(Scope scope, SourceFile? source, DiagnosticBag diagnostics) => Reset(scope, source, diagnostics);

        public SourceFile? Source { get; private set; }

        public DiagnosticBag Diagnostics { get; private set; } = null!;

        public ExpressionEvaluator Evaluator { get; private set; }

        public int ErrorCount { get; private set; }

        public ValidationContext Validation { get; } = new();

        // Per-body scratch arrays, one per nesting level in use, kept for the next body (no shared pool, no lock).
        private readonly Stack<Statement?[]> _seen = new();
        private readonly Stack<IList?[]> _repeated = new();

        /// <summary>An array of at least <paramref name="length"/> nulls for one body's fields.</summary>
        public Statement?[] RentSeen(int length) =>
            _seen.TryPop(out var array) && array.Length >= length ? array : new Statement?[Math.Max(length, 16)];

        /// <summary>Gives back an array from <see cref="RentSeen"/>, cleared over the <paramref name="used"/> length.</summary>
        public void ReturnSeen(Statement?[] array, int used)
        {
            Array.Clear(array, 0, used);
            _seen.Push(array);
        }

        /// <summary>An array of at least <paramref name="length"/> nulls for one body's repeated blocks.</summary>
        public IList?[] RentRepeated(int length) =>
            _repeated.TryPop(out var array) && array.Length >= length ? array : new IList?[Math.Max(length, 16)];

        /// <summary>Gives back an array from <see cref="RentRepeated"/>, cleared over the <paramref name="used"/> length.</summary>
        public void ReturnRepeated(IList?[] array, int used)
        {
            Array.Clear(array, 0, used);
            _repeated.Push(array);
        }

        public static DecodeContext Rent(Scope scope, SourceFile? source, DiagnosticBag diagnostics)
        {
            var ctx = t_spare;
            if (ctx is null)
            {
                return new DecodeContext(scope, source, diagnostics);
            }

            t_spare = null;
            ctx.Reset(scope, source, diagnostics);
            return ctx;
        }

        public static void Return(DecodeContext ctx)
        {
            // Drop every reference to the caller's objects so the spare keeps nothing alive.
            if (ctx._scratch.Items.Count > 0)
            {
                ctx._scratch = new DiagnosticBag();
            }

            ctx.Validation.Reset();
            ctx.Source = null;
            ctx.Diagnostics = null!;
            ctx.Evaluator = default;
            t_spare = ctx;
        }

        private void Reset(Scope scope, SourceFile? source, DiagnosticBag diagnostics)
        {
            Source = source;
            Diagnostics = diagnostics;
            Evaluator = new ExpressionEvaluator(scope, source, _scratch);
            ErrorCount = 0;
        }

        /// <summary>Where the next expression's diagnostics start in the scratch bag.</summary>
        public int ScratchMark => _scratch.Items.Count;

        public void Error(TextSpan span, string message, string? hint = null)
        {
            ErrorCount++;
            Diagnostics.Error(Source, span, message, hint);
        }

        /// <summary>Moves the diagnostics reported since <paramref name="mark"/> to the real bag, counting the errors.</summary>
        public void Flush(int mark)
        {
            var items = _scratch.Items;
            for (var i = mark; i < items.Count; i++)
            {
                Diagnostics.Add(items[i]);
                if (items[i].Severity == Severity.Error)
                {
                    ErrorCount++;
                }
            }
        }
    }

    private static object? Create(Type type, RiverSchema? schema, TextSpan span, DecodeContext ctx)
    {
        try
        {
            return schema is null ? CompiledAccessors.Create(type) : schema.CreateInstance();
        }
        catch (Exception e) when (e is MissingMethodException or TargetInvocationException or MemberAccessException)
        {
            ctx.Error(span, $"cannot create {type.Name}: {e.InnerException?.Message ?? e.Message}");
            return null;
        }
    }

    // `schema` is RiverSchema.For(instance.GetType()), which the caller has at hand.
    private static void DecodeInto(object instance, RiverSchema? schema, ImmutableArray<Statement> body, TextSpan blockSpan, DecodeContext ctx)
    {
        if (schema is null)
        {
            // A Dictionary<string, T> has no River properties, hence no schema: a map block.
            var type = instance.GetType();
            if (RiverSchema.DictionaryValueType(type) is { } mapValue)
            {
                DecodeMap((IDictionary)instance, mapValue, body, ctx);
                return;
            }

            ctx.Error(blockSpan, $"{type.Name} has no River attributes or blocks to decode into");
            return;
        }

        var errorsBefore = ctx.ErrorCount;
        // The statement that set each field, indexed by SchemaField.Index (an array kept by the context instead of a
        // dictionary).
        var fields = schema.Fields;
        var seen = ctx.RentSeen(fields.Count);
        // Items of repeated blocks, by field index; rented only when the body has a repeated block.
        IList?[]? repeated = null;

        foreach (var statement in body)
        {
            switch (statement)
            {
                case AttributeStatement attr:
                {
                    var name = attr.NameText;
                    if (!schema.TryGetField(name, out var field))
                    {
                        ctx.Error(attr.NameSpan, $"unrecognized attribute name \"{name}\"", NameSuggester.Hint(name, schema.AttributeNames));
                        continue;
                    }

                    if (field.IsBlock)
                    {
                        ctx.Error(attr.NameSpan, $"\"{name}\" must be a block, but is used as an attribute");
                        continue;
                    }

                    if (seen[field.Index] is not null)
                    {
                        ctx.Error(attr.NameSpan, $"attribute \"{name}\" may only be provided once");
                        continue;
                    }

                    seen[field.Index] = attr;
                    var mark = ctx.ScratchMark;
                    if (ctx.Evaluator.TryEvaluateAs(attr.Value, schema.PlanOf(field), out var converted))
                    {
                        SetProperty(field, instance, converted, attr.Span, ctx);
                    }

                    ctx.Flush(mark);
                    break;
                }

                case BlockStatement block:
                {
                    // The block's dotted name is stored on it (no parts are made to read it).
                    var name = block.Name;
                    if (!schema.TryGetField(name, out var field))
                    {
                        ctx.Error(block.NameSpan, $"unrecognized block name \"{name}\"", NameSuggester.Hint(name, schema.BlockNames));
                        continue;
                    }

                    if (!field.IsBlock)
                    {
                        ctx.Error(block.NameSpan, $"\"{name}\" must be an attribute, but is used as a block");
                        continue;
                    }

                    if (!field.IsRepeated && seen[field.Index] is not null)
                    {
                        ctx.Error(block.NameSpan, $"block \"{name}\" may only be specified once");
                        continue;
                    }

                    seen[field.Index] ??= block;
                    var blockSchema = field.ElementSchema;
                    var wantsLabel = blockSchema?.Label is not null;
                    if (wantsLabel && block.Label is null)
                    {
                        ctx.Error(block.NameSpan, $"block \"{name}\" requires non-empty label");
                        continue;
                    }

                    if (!wantsLabel && block.Label is not null)
                    {
                        ctx.Error(block.LabelSpan, $"block \"{name}\" does not support specifying labels");
                        continue;
                    }

                    // A single block decodes into the initialiser's instance (keeping its defaults); repeated blocks
                    // each start from a fresh instance.
                    var target = field.IsRepeated ? null : field.GetValue(instance);
                    target ??= Create(field.ElementType, blockSchema, block.Span, ctx);
                    if (target is null)
                    {
                        continue;
                    }

                    if (blockSchema is { Label: not null })
                    {
                        blockSchema.SetLabel(target, block.Label);
                    }

                    // The initialiser's instance may be of a type derived from the field's.
                    DecodeInto(target, target.GetType() == field.ElementType ? blockSchema : RiverSchema.For(target.GetType()), block.Body, block.Span, ctx);
                    if (field.IsRepeated)
                    {
                        repeated ??= ctx.RentRepeated(fields.Count);
                        (repeated[field.Index] ??= ValueConverter.NewList(field.ElementType, 2)).Add(target);
                    }
                    else
                    {
                        SetProperty(field, instance, target, block.Span, ctx);
                    }

                    break;
                }
            }
        }

        // Present repeated blocks replace the initialiser's list entirely.
        for (var r = 0; repeated is not null && r < fields.Count; r++)
        {
            if (repeated[r] is not { } items)
            {
                continue;
            }

            var field = fields[r];
            object list = items;
            if (field.Property.PropertyType.IsArray)
            {
                var array = Array.CreateInstance(field.ElementType, items.Count);
                items.CopyTo(array, 0);
                list = array;
            }

            SetProperty(field, instance, list, TextSpan.Empty, ctx);
        }

        if (repeated is not null)
        {
            ctx.ReturnRepeated(repeated, fields.Count);
        }

        for (var f = 0; f < fields.Count; f++)
        {
            var field = fields[f]; // by index: a foreach over the interface would box an enumerator per body
            if (field.Required && seen[field.Index] is null)
            {
                ctx.Error(blockSpan, field.IsBlock ? $"missing required block \"{field.Name}\"" : $"missing required attribute \"{field.Name}\"");
            }
        }

        if (ctx.ErrorCount == errorsBefore && instance is IValidatable validatable)
        {
            // One context serves every body of the decode: a body's errors are read right after its Validate.
            var validation = ctx.Validation;
            validation.Reset();
            try
            {
                validatable.Validate(validation);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
                validation.Error(null, e.Message);
            }

            var errors = validation.Errors;
            for (var e = 0; e < errors.Count; e++)
            {
                var (name, message) = errors[e];
                var span = name is not null && schema.TryGetField(name, out var named) && seen[named.Index] is { } st
                    ? (st is AttributeStatement a ? a.Value.Span : ((BlockStatement)st).NameSpan)
                    : blockSpan;
                ctx.Error(span, message);
            }
        }

        ctx.ReturnSeen(seen, fields.Count);
    }

    // A block decoding into Dictionary<string, T>: each attribute is an entry; nested blocks are not allowed.
    private static void DecodeMap(IDictionary map, Type valueType, ImmutableArray<Statement> body, DecodeContext ctx)
    {
        foreach (var statement in body)
        {
            if (statement is BlockStatement b)
            {
                ctx.Error(b.NameSpan, "nested blocks not supported here");
                continue;
            }

            var attr = (AttributeStatement)statement;
            var mark = ctx.ScratchMark;
            if (ctx.Evaluator.TryEvaluateAs(attr.Value, valueType, out var converted))
            {
                map[attr.NameText] = converted;
            }

            ctx.Flush(mark);
        }
    }

    private static void SetProperty(SchemaField field, object instance, object? value, TextSpan span, DecodeContext ctx)
    {
        try
        {
            field.SetValue(instance, value);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            // A property setter that validates (throws) becomes an error on the statement.
            ctx.Error(span, e.InnerException.Message);
        }
        catch (ArgumentException e)
        {
            ctx.Error(span, e.Message);
        }
    }
}
