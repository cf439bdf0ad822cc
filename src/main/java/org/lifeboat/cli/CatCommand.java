package org.lifeboat.cli;

import java.util.concurrent.Callable;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Pack;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Repository.FileKind;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.SnapshotFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "cat", description = "Print internal objects (for debugging): config, masterkey, snapshot, index, key, lock, pack, blob, tree.",
        footer = {"", "Examples:", "  lifeboat cat config", "  lifeboat cat masterkey", "  lifeboat cat snapshot 1a2b3c4d", "  lifeboat cat blob 5e6f7a8b9c0d > blob.bin"})
final class CatCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "TYPE", description = "config, snapshot, index, key, lock, pack, blob or tree")
    String type;

    @Parameters(index = "1", arity = "0..1", paramLabel = "ID", description = "the object's ID (not for config)")
    String id;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        try (Repository repo = ctx.open(); RepositoryLock lock = ctx.lock(repo, false)) {
            if (type.equals("config")) {
                var o = Json.MAPPER.createObjectNode().put("version", repo.config().version()).put("id", repo.config().id())
                        .put("chunker_polynomial", Long.toHexString(repo.config().polynomial()));
                ctx.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o));
                return ExitCodes.OK;
            }
            if (type.equals("masterkey")) {
                // restic's cat masterkey: the decrypted master key, as Go's json.MarshalIndent prints it.
                // Whoever has the password can read it anyway; it is what restic prints for debugging.
                ctx.out.println(repo.masterKeyJson());
                ctx.out.flush();
                return ExitCodes.OK;
            }
            if (id == null) throw new UserException("cat " + type + " needs an ID");
            switch (type) {
                case "snapshot" -> {
                    var snap = SnapshotFilter.ALL.resolve(repo.listSnapshots(ctx::warn), id);
                    write(ctx, repo.loadFile(FileKind.SNAPSHOT, snap.id()));
                }
                case "index" -> write(ctx, repo.loadFile(FileKind.INDEX, resolve(repo, FileKind.INDEX, id)));
                case "lock" -> write(ctx, repo.loadFile(FileKind.LOCK, resolve(repo, FileKind.LOCK, id)));
                case "key" -> write(ctx, repo.loadFile(FileKind.KEY, resolve(repo, FileKind.KEY, id)));
                case "pack" -> {
                    Id p = resolve(repo, FileKind.PACK, id);
                    var arr = Json.MAPPER.createArrayNode();
                    long off = 0;
                    for (Pack.Entry e : repo.loadPackHeader(p)) {
                        arr.addObject().put("type", e.type().json()).put("id", e.id().hex()).put("offset", off)
                                .put("length", e.length()).put("uncompressed_length", e.uncompressedLength());
                        off += e.length();
                    }
                    ctx.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(arr));
                }
                case "blob", "tree" -> {
                    ctx.loadIndex(repo);
                    Id b = Id.parse(id);
                    BlobType t = type.equals("tree") || repo.hasBlob(BlobType.TREE, b) && !repo.hasBlob(BlobType.DATA, b)
                            ? BlobType.TREE : BlobType.DATA;
                    write(ctx, repo.loadBlob(t, b));
                }
                case "masterkey" -> { } // handled above: it takes no ID
                default -> throw new UserException("unknown type '" + type + "': use config, masterkey, snapshot, index, key, lock, pack, blob or tree");
            }
        } catch (IllegalArgumentException e) {
            throw new UserException("invalid ID '" + id + "': " + e.getMessage());
        }
        return ExitCodes.OK;
    }

    private static void write(Context ctx, byte[] b) {
        ctx.out.write(b, 0, b.length);
        ctx.out.flush();
    }

    static Id resolve(Repository repo, FileKind t, String prefix) throws java.io.IOException {
        Id found = null;
        for (Id i : repo.listFiles(t)) {
            if (i.hex().startsWith(prefix)) {
                if (found != null) throw new UserException("ID prefix '" + prefix + "' is ambiguous");
                found = i;
            }
        }
        if (found == null) throw new UserException("no " + t.folder() + " file with ID '" + prefix + "'");
        return found;
    }
}
