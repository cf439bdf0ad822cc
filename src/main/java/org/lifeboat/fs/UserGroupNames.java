package org.lifeboat.fs;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cached, thread-safe user and group name lookups in both directions. The system instance asks
 * the C library (getpwuid_r, getgrgid_r, getpwnam_r, getgrnam_r), so NSS sources such as LDAP or
 * systemd count, as with the cgo build of restic; without native access it parses /etc/passwd
 * and /etc/group, as a pure-Go restic build does. Unknown ids map to null, like restic's "".
 */
public final class UserGroupNames {
    private static final String UNKNOWN = "\0"; // ConcurrentHashMap cannot hold null values
    private static final UserGroupNames SYSTEM = new UserGroupNames(null, null);

    private final Map<Long, String> fixedUsers;
    private final Map<Long, String> fixedGroups;
    private final ConcurrentHashMap<Long, String> users = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, String> groups = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> userIds = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> groupIds = new ConcurrentHashMap<>();

    private UserGroupNames(Map<Long, String> users, Map<Long, String> groups) {
        this.fixedUsers = users;
        this.fixedGroups = groups;
    }

    /** The lookups of this system (shared, so the cache serves the whole process). */
    public static UserGroupNames system() {
        return SYSTEM;
    }

    /** Fixed tables, for tests and for restoring with names from elsewhere. */
    public static UserGroupNames of(Map<Long, String> users, Map<Long, String> groups) {
        return new UserGroupNames(Map.copyOf(users), Map.copyOf(groups));
    }

    /** The user name of the uid, or null if it has none. */
    public String userName(long uid) {
        String s = users.computeIfAbsent(uid, id -> orUnknown(fixedUsers != null ? fixedUsers.get(id) : lookup(id, true)));
        return s == UNKNOWN ? null : s;
    }

    /** The group name of the gid, or null if it has none. */
    public String groupName(long gid) {
        String s = groups.computeIfAbsent(gid, id -> orUnknown(fixedGroups != null ? fixedGroups.get(id) : lookup(id, false)));
        return s == UNKNOWN ? null : s;
    }

    /** The uid of the user name, if this system knows it. */
    public OptionalLong uid(String user) {
        long id = userIds.computeIfAbsent(user, n -> fixedUsers != null ? reverse(fixedUsers, n) : lookupName(n, true));
        return id < 0 ? OptionalLong.empty() : OptionalLong.of(id);
    }

    /** The gid of the group name, if this system knows it. */
    public OptionalLong gid(String group) {
        long id = groupIds.computeIfAbsent(group, n -> fixedGroups != null ? reverse(fixedGroups, n) : lookupName(n, false));
        return id < 0 ? OptionalLong.empty() : OptionalLong.of(id);
    }

    private static String orUnknown(String s) {
        return s == null || s.isEmpty() ? UNKNOWN : s;
    }

    private static long reverse(Map<Long, String> table, String name) {
        long best = -1;
        for (Map.Entry<Long, String> e : table.entrySet()) {
            if (e.getValue().equals(name) && (best < 0 || e.getKey() < best)) best = e.getKey();
        }
        return best;
    }

    // struct passwd: pw_name@0, pw_passwd@8, pw_uid@16, pw_gid@20, ...: 48 bytes on LP64.
    // struct group: gr_name@0, gr_passwd@8, gr_gid@16, gr_mem@24: 32 bytes on LP64.
    private static final int STRUCT_SIZE = 48;
    private static final int ID_OFFSET = 16;

    private static String lookup(long id, boolean user) {
        MethodHandle h = user ? Libc.GETPWUID_R : Libc.GETGRGID_R;
        if (h == null) return fileLookup(id, user);
        for (long size = 1024; size <= (1 << 24); size *= 4) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment entry = arena.allocate(STRUCT_SIZE, 8);
                MemorySegment buf = arena.allocate(size);
                MemorySegment result = arena.allocate(ADDRESS);
                int r = (int) h.invokeExact((int) id, entry, buf, size, result);
                if (r == Libc.ERANGE) continue; // the entry does not fit (e.g. a big group): retry larger
                if (r != 0 || result.get(ADDRESS, 0).equals(MemorySegment.NULL)) return null;
                return Libc.cstringAt(entry.get(ADDRESS, 0), size);
            } catch (Throwable t) {
                return fileLookup(id, user);
            }
        }
        return null;
    }

    private static long lookupName(String name, boolean user) {
        MethodHandle h = user ? Libc.GETPWNAM_R : Libc.GETGRNAM_R;
        if (h == null) return fileLookupName(name, user);
        byte[] nameBytes = RawNames.encode(name);
        for (long size = 1024; size <= (1 << 24); size *= 4) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment cname = arena.allocate(nameBytes.length + 1L);
                MemorySegment.copy(nameBytes, 0, cname, JAVA_BYTE, 0, nameBytes.length);
                cname.set(JAVA_BYTE, nameBytes.length, (byte) 0);
                MemorySegment entry = arena.allocate(STRUCT_SIZE, 8);
                MemorySegment buf = arena.allocate(size);
                MemorySegment result = arena.allocate(ADDRESS);
                int r = (int) h.invokeExact(cname, entry, buf, size, result);
                if (r == Libc.ERANGE) continue;
                if (r != 0 || result.get(ADDRESS, 0).equals(MemorySegment.NULL)) return -1;
                return Integer.toUnsignedLong(entry.get(JAVA_INT, ID_OFFSET));
            } catch (Throwable t) {
                return fileLookupName(name, user);
            }
        }
        return -1;
    }

    /** name:passwd:id:... lines of /etc/passwd or /etc/group; the first match wins, as in glibc. */
    private static Map<Long, String> fileTable(boolean user) {
        Map<Long, String> table = new HashMap<>();
        try {
            List<String> lines = Files.readAllLines(Path.of(user ? "/etc/passwd" : "/etc/group"), StandardCharsets.UTF_8);
            for (String line : lines) {
                String[] f = line.split(":", -1);
                if (f.length < 3 || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) continue;
                try {
                    table.putIfAbsent(Long.parseLong(f[2]), f[0]);
                } catch (NumberFormatException ignored) {
                    // skip malformed lines like Go's os/user does
                }
            }
        } catch (IOException ignored) {
            // no file, no names
        }
        return table;
    }

    private static String fileLookup(long id, boolean user) {
        return fileTable(user).get(id);
    }

    private static long fileLookupName(String name, boolean user) {
        return reverse(fileTable(user), name);
    }
}
