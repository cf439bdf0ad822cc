package org.lifeboat.fs;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One extended attribute: full name including the namespace ("user.foo") and the raw value.
 * The value is shared, not copied, so callers must not modify it; it may be null only when
 * decoded from a tree that stored {@code "value":null}.
 */
public record Xattr(String name, byte[] value) {
    public Xattr {
        Objects.requireNonNull(name, "name");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Xattr x && name.equals(x.name) && Arrays.equals(value, x.value);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Xattr[" + name + "=" + (value == null ? "null" : HexFormat.of().formatHex(value)) + "]";
    }
}
