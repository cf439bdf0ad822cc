package org.lifeboat.repository.tree;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Objects;
import org.lifeboat.fs.Xattr;
import org.lifeboat.repository.Id;

/**
 * One entry of a restic tree, with the fields of restic's Node in JSON order.
 *
 * <p>Representation choices, all for byte-exact re-encoding:
 * <ul>
 *   <li>{@code mode} is Go's os.FileMode (see {@link GoFileMode}), 0..2^32-1; {@code uid} and
 *       {@code gid} are unsigned 32-bit; {@code inode}, {@code deviceId}, {@code size},
 *       {@code links} and {@code device} are unsigned 64-bit bit patterns.</li>
 *   <li>Times keep nanoseconds and their UTC offset; null stands for Go's zero time
 *       (encoded as 0001-01-01T00:00:00Z, which also normalises to null).</li>
 *   <li>{@code user}, {@code group}, {@code linkTarget} and {@code error} are null when absent
 *       (an empty string is normalised to null: Go omits both alike).</li>
 *   <li>{@code extendedAttributes} is never null (empty when absent).</li>
 *   <li>{@code content} distinguishes null (encoded {@code null}: dirs, links, ...) from an
 *       empty list (encoded {@code []}: empty regular files).</li>
 *   <li>Names and link targets may hold raw non-UTF-8 bytes escaped as described in
 *       {@link org.lifeboat.fs.RawNames}; a string field restic stored with an escaped U+FFFD
 *       (its encoding of an invalid byte) holds {@link org.lifeboat.fs.RawNames#REPLACED_BYTE}
 *       there.</li>
 *   <li>{@code unknownType} is the stored type string when {@code type} is
 *       {@link NodeType#UNKNOWN}, and null otherwise.</li>
 * </ul>
 */
public record Node(
        String name,
        NodeType type,
        long mode,
        OffsetDateTime mtime,
        OffsetDateTime atime,
        OffsetDateTime ctime,
        long uid,
        long gid,
        String user,
        String group,
        long inode,
        long deviceId,
        long size,
        long links,
        String linkTarget,
        List<Xattr> extendedAttributes,
        long device,
        List<Id> content,
        Id subtree,
        String error,
        String unknownType) {

    private static final long UINT32_MAX = 0xFFFF_FFFFL;

    public Node {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (type == NodeType.UNKNOWN) {
            Objects.requireNonNull(unknownType, "unknownType");
            if (NodeType.fromJsonName(unknownType) != NodeType.UNKNOWN) {
                throw new IllegalArgumentException("type \"" + unknownType + "\" is known");
            }
        } else {
            unknownType = null;
        }
        checkUint32("mode", mode);
        checkUint32("uid", uid);
        checkUint32("gid", gid);
        user = emptyToNull(user);
        group = emptyToNull(group);
        linkTarget = emptyToNull(linkTarget);
        error = emptyToNull(error);
        extendedAttributes = extendedAttributes == null ? List.of() : List.copyOf(extendedAttributes);
        content = content == null ? null : List.copyOf(content);
        mtime = zeroToNull(mtime);
        atime = zeroToNull(atime);
        ctime = zeroToNull(ctime);
    }

    private static final OffsetDateTime GO_ZERO_TIME = OffsetDateTime.parse("0001-01-01T00:00:00Z");

    /** Go's zero time written as restic writes it is the same as absent. */
    private static OffsetDateTime zeroToNull(OffsetDateTime t) {
        return GO_ZERO_TIME.equals(t) ? null : t;
    }

    private static void checkUint32(String field, long v) {
        if (v < 0 || v > UINT32_MAX) throw new IllegalArgumentException(field + " out of uint32 range: " + v);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** The type as stored: {@link NodeType#jsonName()}, or for an unknown type its own string. */
    public String typeName() {
        return type == NodeType.UNKNOWN ? unknownType : type.jsonName();
    }

    public static Builder builder(String name, NodeType type) {
        return new Builder(name, type);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public Node withName(String newName) {
        return toBuilder().name(newName).build();
    }

    public Node withContent(List<Id> newContent) {
        return toBuilder().content(newContent).build();
    }

    public Node withSubtree(Id newSubtree) {
        return toBuilder().subtree(newSubtree).build();
    }

    public Node withLinkTarget(String newLinkTarget) {
        return toBuilder().linkTarget(newLinkTarget).build();
    }

    public Node withExtendedAttributes(List<Xattr> xattrs) {
        return toBuilder().extendedAttributes(xattrs).build();
    }

    public Node withError(String newError) {
        return toBuilder().error(newError).build();
    }

    /** Mutable builder; every field starts as an absent value (0, null, empty). */
    public static final class Builder {
        private String name;
        private NodeType type;
        private long mode;
        private OffsetDateTime mtime;
        private OffsetDateTime atime;
        private OffsetDateTime ctime;
        private long uid;
        private long gid;
        private String user;
        private String group;
        private long inode;
        private long deviceId;
        private long size;
        private long links;
        private String linkTarget;
        private List<Xattr> extendedAttributes = List.of();
        private long device;
        private List<Id> content;
        private Id subtree;
        private String error;
        private String unknownType;

        private Builder(String name, NodeType type) {
            this.name = name;
            this.type = type;
        }

        private Builder(Node n) {
            name = n.name;
            type = n.type;
            mode = n.mode;
            mtime = n.mtime;
            atime = n.atime;
            ctime = n.ctime;
            uid = n.uid;
            gid = n.gid;
            user = n.user;
            group = n.group;
            inode = n.inode;
            deviceId = n.deviceId;
            size = n.size;
            links = n.links;
            linkTarget = n.linkTarget;
            extendedAttributes = n.extendedAttributes;
            device = n.device;
            content = n.content;
            subtree = n.subtree;
            error = n.error;
            unknownType = n.unknownType;
        }

        public Builder name(String v) { name = v; return this; }
        public Builder type(NodeType v) { type = v; return this; }
        /** Sets the type from its stored string; a string restic does not write gives {@link NodeType#UNKNOWN}. */
        public Builder typeName(String v) {
            type = NodeType.fromJsonName(v);
            unknownType = type == NodeType.UNKNOWN ? v : null;
            return this;
        }
        public Builder mode(long v) { mode = v; return this; }
        public Builder mtime(OffsetDateTime v) { mtime = v; return this; }
        public Builder atime(OffsetDateTime v) { atime = v; return this; }
        public Builder ctime(OffsetDateTime v) { ctime = v; return this; }
        public Builder uid(long v) { uid = v; return this; }
        public Builder gid(long v) { gid = v; return this; }
        public Builder user(String v) { user = v; return this; }
        public Builder group(String v) { group = v; return this; }
        public Builder inode(long v) { inode = v; return this; }
        public Builder deviceId(long v) { deviceId = v; return this; }
        public Builder size(long v) { size = v; return this; }
        public Builder links(long v) { links = v; return this; }
        public Builder linkTarget(String v) { linkTarget = v; return this; }
        public Builder extendedAttributes(List<Xattr> v) { extendedAttributes = v; return this; }
        public Builder device(long v) { device = v; return this; }
        public Builder content(List<Id> v) { content = v; return this; }
        public Builder subtree(Id v) { subtree = v; return this; }
        public Builder error(String v) { error = v; return this; }

        public Node build() {
            return new Node(name, type, mode, mtime, atime, ctime, uid, gid, user, group, inode, deviceId, size,
                    links, linkTarget, extendedAttributes, device, content, subtree, error, unknownType);
        }
    }
}
