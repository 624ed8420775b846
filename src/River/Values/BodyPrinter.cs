using System.Collections;
using System.Text;

namespace River.Values;

/// <summary>
/// Renders a typed arguments/exports object as River body text (<c>name = value</c> lines and nested blocks, tab
/// indented), for value dumps and the UI. Secrets print as <c>(secret)</c>; absent blocks are left out.
/// </summary>
public static class BodyPrinter
{
    /// <summary>The body text of <paramref name="instance"/> (a class with [River] properties).</summary>
    public static string Print(object instance, bool omitDefaults = false)
    {
        var sb = new StringBuilder();
        Write(sb, instance, 0, omitDefaults);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object instance, int indent, bool omitDefaults)
    {
        var schema = RiverSchema.For(instance.GetType())
            ?? throw new ArgumentException($"{instance.GetType().Name} has no River schema", nameof(instance));
        object? defaults = null;
        if (omitDefaults)
        {
            try
            {
                defaults = Activator.CreateInstance(instance.GetType());
            }
            catch (MissingMethodException)
            {
                defaults = null;
            }
        }

        foreach (var field in schema.Fields)
        {
            var raw = field.Property.GetValue(instance);
            if (!field.IsBlock)
            {
                var value = ValueEncoder.Encode(raw);
                if (defaults is not null && !field.Required && value.Equals(ValueEncoder.Encode(field.Property.GetValue(defaults))))
                {
                    continue;
                }

                sb.Append('\t', indent).Append(field.Name).Append(" = ");
                ValuePrinter.Write(sb, value, indent);
                sb.Append('\n');
                continue;
            }

            if (raw is null)
            {
                continue;
            }

            IEnumerable blocks = field.IsRepeated ? (IEnumerable)raw : new[] { raw };
            foreach (var block in blocks)
            {
                if (block is null)
                {
                    continue;
                }

                sb.Append('\t', indent).Append(field.Name);
                if (RiverSchema.For(block.GetType())?.Label?.GetValue(block) is string label && label.Length > 0)
                {
                    sb.Append(' ').Append(ValuePrinter.Quote(label));
                }

                sb.Append(" {\n");
                if (RiverSchema.For(block.GetType()) is not null)
                {
                    Write(sb, block, indent + 1, omitDefaults);
                }
                else if (block is IDictionary map)
                {
                    // A block decoded into a map: its entries are the block's attributes.
                    foreach (DictionaryEntry entry in map)
                    {
                        sb.Append('\t', indent + 1).Append((string)entry.Key).Append(" = ");
                        ValuePrinter.Write(sb, ValueEncoder.Encode(entry.Value), indent + 1);
                        sb.Append('\n');
                    }
                }

                sb.Append('\t', indent).Append("}\n");
            }
        }
    }
}
