using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;

namespace River.Values;

/// <summary>One attribute or block of a typed argument/export class.</summary>
/// <param name="Name">The River name (dotted for blocks such as <c>tls.config</c>).</param>
/// <param name="IsBlock">True for <see cref="RiverBlockAttribute"/> properties.</param>
/// <param name="Required">True when a missing attribute/block is an error.</param>
/// <param name="Property">The .NET property.</param>
/// <param name="IsRepeated">For blocks: the property is a list, so the block may repeat.</param>
/// <param name="ElementType">For blocks: the class one block decodes into (the list element type for repeated blocks).</param>
public sealed record SchemaField(string Name, bool IsBlock, bool Required, PropertyInfo Property, bool IsRepeated, Type ElementType)
{
    private Func<object, object?>? _getter;
    private Action<object, object?>? _setter;
    private int _getterUses;
    private int _setterUses;

    // Set once no generated accessor was found (River.Generators), so that the look-up is not repeated.
    private bool _noGeneratedGetter;
    private bool _noGeneratedSetter;

    // The schema of ElementType, looked up on first use (RiverSchema.For is a dictionary look-up per call).
    private RiverSchema? _elementSchema;
    private bool _elementSchemaKnown;

    /// <summary>The position of the field in <see cref="RiverSchema.Fields"/> (decoders index per-decode state by it).</summary>
    public int Index { get; internal init; }

    /// <summary>The schema of <see cref="ElementType"/> (<see cref="RiverSchema.For"/>), cached on the field.</summary>
    internal RiverSchema? ElementSchema
    {
        get
        {
            if (!Volatile.Read(ref _elementSchemaKnown))
            {
                _elementSchema = RiverSchema.For(ElementType);
                Volatile.Write(ref _elementSchemaKnown, true);
            }

            return _elementSchema;
        }
    }

    /// <summary>
    /// Reads the property: through the accessor River.Generators wrote for it when there is one (<see cref="RiverAccessors"/>);
    /// otherwise through reflection for its first <see cref="CompiledAccessors.CompileAfter"/> uses, then
    /// through a delegate compiled once (decoding and encoding do this for every block of a large config, where
    /// reflection would cost each time, while compiling for a field read once would only slow start-up).
    /// </summary>
    public object? GetValue(object instance)
    {
        if (_getter is { } getter)
        {
            return getter(instance);
        }

        if (!_noGeneratedGetter)
        {
            if (CompiledAccessors.GeneratedGetter(Property) is { } generated)
            {
                return (_getter = generated)(instance);
            }

            _noGeneratedGetter = true;
        }

        if (!CompiledAccessors.Compiles)
        {
            return (_getter = CompiledAccessors.InvokerGetter(Property))(instance);
        }

        return Interlocked.Increment(ref _getterUses) > CompiledAccessors.CompileAfter
            ? (_getter = CompiledAccessors.Getter(Property))(instance)
            : Property.GetValue(instance);
    }

    /// <summary>
    /// Writes the property (the generated setter, else reflection first, then a compiled delegate, as <see cref="GetValue"/>). As with
    /// <see cref="PropertyInfo.SetValue(object, object)"/>, an exception thrown by the setter arrives wrapped in a
    /// <see cref="TargetInvocationException"/>, and null writes a value type's default.
    /// </summary>
    public void SetValue(object instance, object? value)
    {
        if (_setter is { } setter)
        {
            setter(instance, value);
            return;
        }

        if (!_noGeneratedSetter)
        {
            if (CompiledAccessors.GeneratedSetter(Property) is { } generated)
            {
                (_setter = generated)(instance, value);
                return;
            }

            _noGeneratedSetter = true;
        }

        if (!CompiledAccessors.Compiles)
        {
            (_setter = CompiledAccessors.InvokerSetter(Property))(instance, value);
        }
        else if (Interlocked.Increment(ref _setterUses) > CompiledAccessors.CompileAfter)
        {
            (_setter = CompiledAccessors.Setter(Property))(instance, value);
        }
        else
        {
            Property.SetValue(instance, value);
        }
    }
}

/// <summary>Property accessors and constructors compiled once from expression trees, with reflection's behaviour.</summary>
internal static class CompiledAccessors
{
    /// <summary>
    /// Uses of an accessor or constructor served by reflection before it is compiled. Compiling costs far more than one
    /// reflective call (the expression compiler and a JIT of the delegate), so a small config, or a field that few
    /// blocks set, never pays for it; a 10 000-block config compiles each accessor once early on. Without a JIT (the
    /// Native AOT publish of the CLI) expression trees are only interpreted, slower than reflection: never compile.
    /// </summary>
    public static readonly int CompileAfter = Compiles ? 32 : int.MaxValue;

    /// <summary>
    /// Whether compiled expression trees run as machine code (false in the Native AOT CLI, where they would only be
    /// interpreted): every delegate River would compile from an expression tree uses reflection instead then.
    /// </summary>
    public static bool Compiles => System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeCompiled;

    private static readonly ConcurrentDictionary<Type, Func<object>?> Factories = new();
    private static readonly ConcurrentDictionary<Type, Func<object>?> GeneratedFactories = new();

    /// <summary>
    /// The getter River.Generators wrote for <paramref name="property"/> (<see cref="RiverAccessors"/>), with
    /// reflection's behaviour (an exception arrives wrapped in a <see cref="TargetInvocationException"/>); null when
    /// there is none.
    /// </summary>
    public static Func<object, object?>? GeneratedGetter(PropertyInfo property)
    {
        if (RiverAccessors.Getter(property) is not { } getter)
        {
            return null;
        }

        return instance =>
        {
            try
            {
                return getter(instance);
            }
            catch (Exception e)
            {
                throw new TargetInvocationException(e);
            }
        };
    }

    /// <summary>
    /// The setter River.Generators wrote for <paramref name="property"/>, with reflection's behaviour: an exception
    /// from the setter arrives wrapped in a <see cref="TargetInvocationException"/>, null writes a value type's
    /// default, and a value of the wrong type gets reflection's error (decoders never produce one); null when there is none.
    /// </summary>
    public static Action<object, object?>? GeneratedSetter(PropertyInfo property)
    {
        if (RiverAccessors.Setter(property) is not { } setter)
        {
            return null;
        }

        return (instance, value) =>
        {
            bool written;
            try
            {
                written = setter(instance, value);
            }
            catch (Exception e)
            {
                throw new TargetInvocationException(e);
            }

            if (!written)
            {
                property.SetValue(instance, value);
            }
        };
    }

    /// <summary>
    /// The constructor River.Generators wrote for <paramref name="type"/> (<see cref="RiverAccessors"/>), with
    /// reflection's exception behaviour, or null.
    /// </summary>
    internal static Func<object>? GeneratedFactory(Type type) => GeneratedFactories.GetOrAdd(type, static t =>
    {
        if (RiverAccessors.Constructor(t) is not { } constructor)
        {
            return null;
        }

        return () =>
        {
            try
            {
                return constructor();
            }
            catch (Exception e)
            {
                throw new TargetInvocationException(e);
            }
        };
    });
    private static readonly ConcurrentDictionary<Type, int> CreateUses = new();
    private static readonly ConcurrentDictionary<Type, ConstructorInvoker?> Constructors = new();

    /// <summary>
    /// Without a JIT: a getter through reflection's invoker for the get accessor, made once (the per-call work of
    /// <see cref="PropertyInfo.GetValue(object)"/> without its argument checks). Exceptions arrive wrapped in a
    /// <see cref="TargetInvocationException"/>, as from reflection.
    /// </summary>
    public static Func<object, object?> InvokerGetter(PropertyInfo property)
    {
        if (property.GetMethod is not { IsPublic: true } getter || property.GetIndexParameters().Length > 0)
        {
            return property.GetValue;
        }

        var invoker = MethodInvoker.Create(getter);
        return instance =>
        {
            try
            {
                return invoker.Invoke(instance);
            }
            catch (Exception e)
            {
                throw new TargetInvocationException(e);
            }
        };
    }

    /// <summary>
    /// Without a JIT: a setter through reflection's invoker for the set accessor, made once (no argument array per
    /// call, unlike <see cref="PropertyInfo.SetValue(object, object)"/>), with reflection's behaviour: a value of the
    /// wrong type is refused as reflection refuses it, null writes a value type's default, and an exception from the
    /// setter arrives wrapped in a <see cref="TargetInvocationException"/>.
    /// </summary>
    public static Action<object, object?> InvokerSetter(PropertyInfo property)
    {
        if (property.SetMethod is not { IsPublic: true } setter || property.GetIndexParameters().Length > 0)
        {
            return property.SetValue;
        }

        var invoker = MethodInvoker.Create(setter);
        var type = property.PropertyType;
        return (instance, value) =>
        {
            if (value is not null && !type.IsInstanceOfType(value))
            {
                property.SetValue(instance, value); // reflection's error for the wrong type (decoders never produce one)
                return;
            }

            try
            {
                invoker.Invoke(instance, value);
            }
            catch (Exception e)
            {
                throw new TargetInvocationException(e);
            }
        };
    }

    /// <summary>A getter delegate; falls back to reflection when the property has no public getter.</summary>
    public static Func<object, object?> Getter(PropertyInfo property)
    {
        if (property.GetMethod is not { IsPublic: true } || property.DeclaringType is null || property.GetIndexParameters().Length > 0)
        {
            return property.GetValue;
        }

        var target = Expression.Parameter(typeof(object), "target");
        var body = Expression.Convert(Expression.Property(Expression.Convert(target, property.DeclaringType), property), typeof(object));
        return Expression.Lambda<Func<object, object?>>(body, target).Compile();
    }

    /// <summary>
    /// A setter delegate. Exceptions from the setter body are wrapped in <see cref="TargetInvocationException"/> as
    /// reflection does, so callers report <c>InnerException.Message</c> either way; a property without a public setter
    /// keeps reflection (which reports the missing setter as an <see cref="ArgumentException"/>).
    /// </summary>
    public static Action<object, object?> Setter(PropertyInfo property)
    {
        if (property.SetMethod is not { IsPublic: true } || property.DeclaringType is null || property.GetIndexParameters().Length > 0)
        {
            return property.SetValue;
        }

        var target = Expression.Parameter(typeof(object), "target");
        var value = Expression.Parameter(typeof(object), "value");
        var type = property.PropertyType;
        Expression converted = type.IsValueType && Nullable.GetUnderlyingType(type) is null
            ? Expression.Condition(Expression.Equal(value, Expression.Constant(null)), Expression.Default(type), Expression.Unbox(value, type))
            : Expression.Convert(value, type);
        var assign = Expression.Assign(Expression.Property(Expression.Convert(target, property.DeclaringType), property), converted);
        var compiled = Expression.Lambda<Action<object, object?>>(assign, target, value).Compile();
        return (instance, v) =>
        {
            if (v is not null && !type.IsInstanceOfType(v))
            {
                // Same error as reflection for a value of the wrong type (decoders never produce one).
                property.SetValue(instance, v);
                return;
            }

            try
            {
                compiled(instance, v);
            }
            catch (Exception e)
            {
                throw new TargetInvocationException(e);
            }
        };
    }

    /// <summary>
    /// A compiled <c>new T()</c> for a concrete class or struct with a public parameterless constructor, else null
    /// (the caller then uses <see cref="Activator"/>, which reports why the type cannot be created).
    /// </summary>
    public static Func<object>? Factory(Type type) => Factories.GetOrAdd(type, static t =>
    {
        if (t.IsAbstract || t.IsInterface || t.ContainsGenericParameters || (!t.IsValueType && t.GetConstructor(Type.EmptyTypes) is null))
        {
            return null;
        }

        var compiled = Expression.Lambda<Func<object>>(Expression.Convert(Expression.New(t), typeof(object))).Compile();
        return () =>
        {
            try
            {
                return compiled();
            }
            catch (Exception e)
            {
                throw new TargetInvocationException(e);
            }
        };
    });

    /// <summary>
    /// Creates an instance as <see cref="Activator.CreateInstance(Type)"/> does, through reflection's invoker for the
    /// public parameterless constructor, looked up once per type (what <see cref="Create"/> does without a JIT).
    /// </summary>
    internal static object? CreateByInvoker(Type type)
    {
        if (Constructors.GetOrAdd(type, static t => t.IsValueType || t.IsAbstract || t.ContainsGenericParameters || t.GetConstructor(Type.EmptyTypes) is not { } c ? null : ConstructorInvoker.Create(c)) is not { } constructor)
        {
            return Activator.CreateInstance(type);
        }

        try
        {
            return constructor.Invoke();
        }
        catch (Exception e)
        {
            throw new TargetInvocationException(e);
        }
    }

    /// <summary>
    /// Creates an instance as <see cref="Activator.CreateInstance(Type)"/> does: through the constructor River.Generators
    /// wrote for the type when there is one; else through <see cref="Activator"/> for the first
    /// <see cref="CompileAfter"/> instances of a type, then through a compiled constructor when possible.
    /// </summary>
    public static object? Create(Type type)
    {
        if (GeneratedFactory(type) is { } generated)
        {
            return generated();
        }

        if (!Compiles)
        {
            // Without a JIT nothing is ever compiled: no use counting (a contended update per instance).
            return CreateByInvoker(type);
        }

        if (Factories.TryGetValue(type, out var compiled))
        {
            return compiled is null ? Activator.CreateInstance(type) : compiled();
        }

        if (CreateUses.AddOrUpdate(type, 1, static (_, uses) => uses + 1) <= CompileAfter)
        {
            return Activator.CreateInstance(type);
        }

        return Factory(type) is { } factory ? factory() : Activator.CreateInstance(type);
    }
}

/// <summary>
/// The River schema of a .NET class, read once from its <see cref="RiverAttribute"/>, <see cref="RiverBlockAttribute"/>
/// and <see cref="RiverLabelAttribute"/> properties and cached. A class without any of them has no schema (it is
/// handled as a capsule).
/// </summary>
public sealed class RiverSchema
{
    private static readonly ConcurrentDictionary<Type, RiverSchema?> Cache = new();
    private readonly Dictionary<string, SchemaField> _byName;

    // The conversion plan of each field's property type, by SchemaField.Index, made on first use.
    private readonly ValueConverter.ConversionPlan?[] _plans;
    private Action<object, object?>? _labelSetter;
    private Func<object>? _factory;
    private bool _factoryKnown;
    private int _labelUses;
    private bool _noGeneratedLabelSetter;

    private RiverSchema(Type type, List<SchemaField> fields, PropertyInfo? label)
    {
        _plans = new ValueConverter.ConversionPlan?[fields.Count];
        Type = type;
        Fields = fields;
        Label = label;
        AttributeNames = fields.Where(f => !f.IsBlock).Select(f => f.Name).ToArray();
        BlockNames = fields.Where(f => f.IsBlock).Select(f => f.Name).ToArray();
        _byName = new Dictionary<string, SchemaField>(StringComparer.Ordinal);
        foreach (var f in fields)
        {
            if (!_byName.TryAdd(f.Name, f))
            {
                throw new InvalidOperationException($"{type.FullName} declares the River name \"{f.Name}\" twice");
            }
        }
    }

    /// <summary>The class described.</summary>
    public Type Type { get; }

    /// <summary>A new instance of <see cref="Type"/>, as <see cref="CompiledAccessors.Create"/> makes it.</summary>
    internal object? CreateInstance()
    {
        // The generated constructor, found once per schema instead of looked up per instance.
        if (!Volatile.Read(ref _factoryKnown))
        {
            _factory = CompiledAccessors.GeneratedFactory(Type);
            Volatile.Write(ref _factoryKnown, true);
        }

        return _factory is { } factory ? factory() : CompiledAccessors.Create(Type);
    }

    /// <summary>Attributes and blocks in declaration order.</summary>
    public IReadOnlyList<SchemaField> Fields { get; }

    /// <summary>The property that receives the block label, if any.</summary>
    public PropertyInfo? Label { get; }

    /// <summary>The River names of the attributes (for did-you-mean hints).</summary>
    public IReadOnlyList<string> AttributeNames { get; }

    /// <summary>The River names of the blocks (for did-you-mean hints).</summary>
    public IReadOnlyList<string> BlockNames { get; }

    /// <summary>
    /// Writes the block label into <see cref="Label"/> (which must exist): reflection first, then a compiled delegate,
    /// with the same exceptions, as <see cref="SchemaField.SetValue"/> does — every block of a large config has one.
    /// </summary>
    internal void SetLabel(object instance, string? value)
    {
        if (_labelSetter is { } setter)
        {
            setter(instance, value);
            return;
        }

        if (!_noGeneratedLabelSetter)
        {
            if (CompiledAccessors.GeneratedSetter(Label!) is { } generated)
            {
                (_labelSetter = generated)(instance, value);
                return;
            }

            _noGeneratedLabelSetter = true;
        }

        if (Interlocked.Increment(ref _labelUses) > CompiledAccessors.CompileAfter)
        {
            (_labelSetter = CompiledAccessors.Setter(Label!))(instance, value);
        }
        else
        {
            Label!.SetValue(instance, value);
        }
    }

    /// <summary>How values are converted into the field's property type (looked up once per schema and field).</summary>
    internal ValueConverter.ConversionPlan PlanOf(SchemaField field) =>
        _plans[field.Index] ??= ValueConverter.ConversionPlan.For(field.Property.PropertyType);

    /// <summary>Finds a field by River name.</summary>
    public bool TryGetField(string name, out SchemaField field) => _byName.TryGetValue(name, out field!);

    /// <summary>Returns the schema of a type, or null when it has no River properties.</summary>
    public static RiverSchema? For(Type type) => Cache.GetOrAdd(type, Build);

    /// <summary>
    /// For a list type (<c>List&lt;T&gt;</c>, <c>T[]</c>, <c>IReadOnlyList&lt;T&gt;</c>, <c>IList&lt;T&gt;</c>,
    /// <c>IEnumerable&lt;T&gt;</c>, <c>ICollection&lt;T&gt;</c>, <c>IReadOnlyCollection&lt;T&gt;</c>) returns T.
    /// </summary>
    public static Type? ListElementType(Type type) => ListElements.GetOrAdd(type, FindListElementType);

    /// <summary>For <c>Dictionary&lt;string,T&gt;</c>, <c>IDictionary&lt;string,T&gt;</c> or <c>IReadOnlyDictionary&lt;string,T&gt;</c> returns T.</summary>
    public static Type? DictionaryValueType(Type type) => DictionaryValues.GetOrAdd(type, FindDictionaryValueType);

    // Decoding asks these questions for every value; reflection answers are cached per type.
    private static readonly ConcurrentDictionary<Type, Type?> ListElements = new();
    private static readonly ConcurrentDictionary<Type, Type?> DictionaryValues = new();

    private static Type? FindListElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!type.IsGenericType || type == typeof(string))
        {
            return null;
        }

        var def = type.GetGenericTypeDefinition();
        if (def == typeof(List<>) || def == typeof(IReadOnlyList<>) || def == typeof(IList<>) || def == typeof(IEnumerable<>)
            || def == typeof(ICollection<>) || def == typeof(IReadOnlyCollection<>))
        {
            return type.GetGenericArguments()[0];
        }

        return null;
    }

    private static Type? FindDictionaryValueType(Type type)
    {
        if (!type.IsGenericType)
        {
            return null;
        }

        var def = type.GetGenericTypeDefinition();
        if ((def == typeof(Dictionary<,>) || def == typeof(IDictionary<,>) || def == typeof(IReadOnlyDictionary<,>))
            && type.GetGenericArguments()[0] == typeof(string))
        {
            return type.GetGenericArguments()[1];
        }

        return null;
    }

    private static RiverSchema? Build(Type type)
    {
        var fields = new List<SchemaField>();
        PropertyInfo? label = null;
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetCustomAttribute<RiverAttribute>() is { } attr)
            {
                fields.Add(new SchemaField(attr.Name, false, attr.Required, p, false, p.PropertyType) { Index = fields.Count });
            }
            else if (p.GetCustomAttribute<RiverBlockAttribute>() is { } block)
            {
                var element = ListElementType(p.PropertyType);
                var blockType = element ?? Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
                fields.Add(new SchemaField(block.Name, true, block.Required, p, element is not null, blockType) { Index = fields.Count });
            }
            else if (p.GetCustomAttribute<RiverLabelAttribute>() is not null)
            {
                label = p;
            }
        }

        // Properties come back in declaration order for a single class; base-class properties come after, which is fine.
        return fields.Count == 0 && label is null ? null : new RiverSchema(type, fields, label);
    }
}
