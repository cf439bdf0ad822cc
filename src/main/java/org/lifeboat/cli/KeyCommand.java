package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.concurrent.Callable;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "key", description = "Manage keys (passwords): list, add, passwd, remove.",
        footer = {"", "Examples:", "  lifeboat key list", "  lifeboat key add --new-password-file /etc/lb/pw2 --user ann --host web1", "  lifeboat key passwd --new-password-file /etc/lifeboat/new-password", "  lifeboat key remove 1a2b3c4d"})
final class KeyCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "list|add|passwd|remove", description = "list the keys, add one, change this one's password, or remove one")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "ID", description = "key ID (for remove)")
    String keyId;

    @Option(names = "--new-password-file", paramLabel = "FILE", description = "read the new password from FILE")
    String newPasswordFile;

    @Option(names = "--user", paramLabel = "USER", description = "user name stored in the new key")
    String user;

    @Option(names = "--host", paramLabel = "HOST", description = "host name stored in the new key")
    String host;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        try (Repository repo = ctx.open()) {
            switch (action) {
                case "list" -> list(ctx, repo);
                case "add" -> {
                    try (RepositoryLock l = ctx.lock(repo, false)) {
                        Id id = repo.addKey(newPassword(ctx), user(), host());
                        ctx.info("saved new key as " + id.shortHex());
                    }
                }
                case "passwd" -> {
                    try (RepositoryLock l = ctx.lock(repo, true)) {
                        Id id = repo.changePassword(newPassword(ctx), user(), host());
                        ctx.info("saved new key as " + id.shortHex() + ", removed old key " + repo.keyId().shortHex());
                    }
                }
                case "remove" -> {
                    if (keyId == null) throw new UserException("key remove needs a key ID");
                    Id target = resolveKey(repo, keyId);
                    if (target.equals(repo.keyId())) {
                        throw new UserException("refusing to remove the key currently in use (" + target.shortHex() + ")");
                    }
                    try (RepositoryLock l = ctx.lock(repo, true)) {
                        repo.removeKey(target);
                        ctx.info("removed key " + target.shortHex());
                    }
                }
                default -> throw new UserException("unknown key action '" + action + "': use list, add, passwd or remove");
            }
        }
        return ExitCodes.OK;
    }

    private String newPassword(Context ctx) {
        String p;
        if (newPasswordFile != null) {
            p = Context.readPasswordFile(newPasswordFile);
        } else {
            java.io.Console c = System.console();
            if (c == null) throw new UserException("give the new password with --new-password-file");
            char[] a = c.readPassword("enter new password: ");
            char[] b = c.readPassword("enter password again: ");
            if (a == null || b == null || !new String(a).equals(new String(b))) throw new UserException("passwords do not match");
            p = new String(a);
        }
        if (p.isEmpty()) throw new UserException("an empty password is not allowed");
        return p;
    }

    private String user() {
        return user != null ? user : System.getProperty("user.name", "");
    }

    private String host() {
        return host != null ? host : Repository.hostname();
    }

    private static Id resolveKey(Repository repo, String prefix) throws java.io.IOException {
        Id found = null;
        for (Id id : repo.listFiles(Repository.FileKind.KEY)) {
            if (id.hex().startsWith(prefix)) {
                if (found != null) throw new UserException("key ID prefix '" + prefix + "' is ambiguous");
                found = id;
            }
        }
        if (found == null) throw new UserException("no key with ID '" + prefix + "'");
        return found;
    }

    /** restic's key list time: local time as "2006-01-02 15:04:05"; an unreadable value is shown as stored. */
    static String localTime(String rfc3339) {
        if (rfc3339 == null) return "";
        try {
            return org.lifeboat.repository.Times.parse(rfc3339).atZoneSameInstant(java.time.ZoneId.systemDefault())
                    .format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
        } catch (java.time.DateTimeException e) {
            return rfc3339;
        }
    }

    private static void list(Context ctx, Repository repo) throws java.io.IOException {
        ArrayNode a = Json.MAPPER.createArrayNode();
        Table t = new Table(" ID", "User", "Host", "Created");
        for (Repository.KeyInfo k : repo.listKeys(ctx::warn)) {
            Id id = k.id();
            boolean current = k.current();
            String created = localTime(k.created());
            // restic's scripting fields and order (current, id, userName, hostName, created); the
            // id is the full one, as restic after 0.14 prints it.
            a.addObject().put("current", current).put("id", id.hex()).put("userName", k.username())
                    .put("hostName", k.hostname()).put("created", created);
            t.row((current ? "*" : " ") + id.shortHex(), k.username(), k.hostname(), created);
        }
        if (ctx.json()) ctx.printJson(a);
        else t.print(ctx.out);
    }
}
