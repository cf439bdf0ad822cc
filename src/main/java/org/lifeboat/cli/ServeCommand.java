package org.lifeboat.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.PlanLoader;
import org.lifeboat.plan.ServicePlan;
import org.lifeboat.server.web.WebServer;
import org.lifeboat.service.Service;
import org.lifeboat.state.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "serve", description = {"Run the plan unattended: backups on schedule, copies, retention, checks and drills;",
        "RPO and RTO watched with alerts; Prometheus /metrics; the web dashboard and its JSON API."},
        footer = {"", "The plan's serve: section sets the listener, the dashboard password",
                "(user admin) and TLS; alerts: the channels; each system's schedule:",
                "and ping: its jobs (see the README). SIGHUP (or saving the plan)",
                "reloads the plan, also under nohup; SIGTERM (exit 143) or Ctrl-C/SIGINT",
                "(exit 130) cancels running jobs, removes their locks and stops;",
                "SIGUSR1 is ignored (the log goes to standard error).",
                "", "Examples:", "  lifeboat serve --config /etc/lifeboat/lifeboat.yaml",
                "  lifeboat serve --listen 0.0.0.0:8480 \\",
                "      --state-db postgresql://lifeboat@db.example.com/lifeboat"})
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--listen", paramLabel = "ADDRESS", description = "HOST:PORT the dashboard listens on (default: the plan's serve: listen, else 127.0.0.1:8480)")
    String listen;

    @Option(names = "--state-db", paramLabel = "URL", description = "a PostgreSQL state shared by several hosts (postgresql://user@host:port/database);"
            + " default: LIFEBOAT_STATE_DB, else the plan's state-db, else the SQLite file in the state folder")
    String stateDb;

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        Path file = Plans.file(ctx);
        Plan plan = PlanLoader.load(file, null, PlanLoader.Generators.placeholders());
        ServicePlan.Serve serve = plan.service().serve();
        String address = listen != null ? listen : serve.listen() != null ? serve.listen() : "127.0.0.1:8480";
        String[] hp = hostPort(address);
        String password;
        try {
            password = Service.secret(serve.passwordFile(), serve.passwordEnv(), "the dashboard password");
        } catch (java.io.IOException e) {
            throw new UserException(e.getMessage());
        }
        if (password == null) {
            throw new UserException("the dashboard needs a password: set serve: { password-file: FILE } (or password-env) in "
                    + file + "; the login is " + WebServer.USER);
        }
        // as status: the flag, then LIFEBOAT_STATE_DB (when not empty), then the plan's state-db (Service's fallback)
        String env = System.getenv("LIFEBOAT_STATE_DB");
        String db = stateDb != null ? stateDb : env != null && !env.isBlank() ? env : null;
        DateTimeFormatter ts = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());
        Consumer<String> say = line -> {
            synchronized (ctx.err) {
                // one event, one line: control characters from names, paths or requests are shown escaped
                ctx.err.println(ts.format(Instant.now()) + " " + escapeControls(line));
                ctx.err.flush();
            }
        };
        Service.Options o = Service.Options.defaults();
        o = new Service.Options(db, o.host(), o.statusEvery(), o.retryBase(), o.keepJobs(), o.clock());
        try (Service service = new Service(file, o, ctx.serviceOpener(file), say)) {
            try {
                service.open();
            } catch (org.lifeboat.state.StateStoreException | java.io.IOException e) {
                throw new UserException(e.getMessage());
            }
            WebServer web;
            String url;
            try {
                web = new WebServer(service, new WebServer.Options(hp[0], Integer.parseInt(hp[1]),
                        serve.tlsCert() == null ? null : Path.of(serve.tlsCert()), serve.tlsKey() == null ? null : Path.of(serve.tlsKey())), password);
                url = web.start();
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
            // the dashboard is listening (and its TLS is usable) before any job runs
            service.run();
            try (WebServer w = web) {
                CountDownLatch stop = new CountDownLatch(1);
                // The jobs' own tokens are cancelled first, before the signal's handler stops every child
                // process: a dump killed by the stop is then recorded as cancelled, not as failed.
                main.cancel.onCancel(() -> {
                    service.scheduler().stop("the service is stopping");
                    stop.countDown();
                });
                installSignals(service, say);
                int systems = service.plan().systems().size();
                ctx.out.println("lifeboat serve: plan " + file + " (" + systems + (systems == 1 ? " system" : " systems")
                        + ") on host " + service.host());
                ctx.out.println("dashboard: " + url + " (user " + WebServer.USER + ")    metrics: " + url + "metrics    API: " + url + "api/systems");
                ctx.out.println("state: " + StateStore.redact(service.store().where()));
                ctx.out.flush();
                stop.await();
                say.accept("stopping");
            }
        }
        return ExitCodes.OK;
    }

    /**
     * SIGHUP reloads the plan (as systemd's ExecReload sends it); elsewhere (no such signal) nothing.
     * Started under {@code nohup} (or by anything else that leaves SIGHUP ignored), the JVM will not
     * catch it: HotSpot's JVM_RegisterSignal leaves an inherited SIG_IGN of SIGHUP, SIGINT and SIGTERM
     * alone, and {@code Signal.handle} returns SIG_IGN instead of failing. So the disposition is set
     * back to the default (libc signal(2), through the FFM API) and the handler installed again: a
     * hang-up then reloads the plan, which keeps the service running as nohup meant it to (a SIGHUP
     * arriving in the microseconds between the two calls would end it). Without native access the
     * service says that SIGHUP is ignored, rather than nothing.
     *
     * <p>SIGUSR1 (logrotate's {@code postrotate kill -USR1} habit) would end the JVM at once, without
     * cancelling jobs or removing locks: it is caught and only said. The service writes its log to
     * standard error and has no log file to reopen.
     */
    private static void installSignals(Service service, Consumer<String> say) {
        try {
            sun.misc.Signal hup = new sun.misc.Signal("HUP");
            sun.misc.SignalHandler reload = sig -> {
                say.accept("SIGHUP: reloading the plan");
                Thread.ofVirtual().start(service::reload);
            };
            if (sun.misc.Signal.handle(hup, reload) == sun.misc.SignalHandler.SIG_IGN) {
                if (SignalDisposition.reset(hup.getNumber()) && sun.misc.Signal.handle(hup, reload) != sun.misc.SignalHandler.SIG_IGN) {
                    say.accept("SIGHUP was ignored (started under nohup?); it now reloads the plan, and a hang-up does not stop the service");
                } else {
                    say.accept("SIGHUP is ignored (started under nohup); edit the plan file to reload (it is reloaded when saved)");
                }
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            say.accept("SIGHUP cannot be caught here; the plan is still reloaded when its file changes");
        }
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("USR1"),
                    sig -> say.accept("SIGUSR1 ignored; send SIGHUP to reload (the log goes to standard error: there is no log file to reopen)"));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGUSR1 here (or the JVM keeps it): nothing to protect
        }
    }

    /** Sets a signal's disposition back to the default with libc's signal(2), through the FFM API. */
    static final class SignalDisposition {
        private SignalDisposition() {}

        /**
         * True when {@code signal(number, SIG_DFL)} succeeded; false without native access (no
         * warning printed then), without the symbol, or when it failed.
         */
        static boolean reset(int number) {
            if (!SignalDisposition.class.getModule().isNativeAccessEnabled()) return false;
            try {
                java.lang.foreign.Linker linker = java.lang.foreign.Linker.nativeLinker();
                java.lang.foreign.MemorySegment fn = linker.defaultLookup().find("signal").orElse(null);
                if (fn == null) return false;
                java.lang.invoke.MethodHandle signal = linker.downcallHandle(fn, java.lang.foreign.FunctionDescriptor.of(
                        java.lang.foreign.ValueLayout.ADDRESS, java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.ADDRESS));
                // SIG_DFL is 0; SIG_ERR is -1
                java.lang.foreign.MemorySegment old = (java.lang.foreign.MemorySegment) signal.invokeExact(number, java.lang.foreign.MemorySegment.NULL);
                return old.address() != -1L;
            } catch (Throwable t) {
                return false;
            }
        }
    }

    /** {@code s} with control characters as \n, \r, \t or \xNN; a multi-line message keeps its lines. */
    static String escapeControls(String s) {
        StringBuilder b = new StringBuilder(s.length());
        String[] lines = s.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) b.append(i == lines.length - 1 && lines[i].isEmpty() ? "" : "\n  ");
            for (char c : lines[i].toCharArray()) {
                if (c == '\r') b.append("\\r");
                else if (c == '\t') b.append("\\t");
                else if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
                else b.append(c);
            }
        }
        return b.toString();
    }

    static String[] hostPort(String listen) {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) throw new UserException("--listen " + listen + " is not of the form HOST:PORT (e.g. 127.0.0.1:8480)");
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        String port = listen.substring(colon + 1);
        try {
            int p = Integer.parseInt(port);
            if (p < 0 || p > 65535) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw new UserException("--listen " + listen + ": the port must be a number from 0 to 65535");
        }
        return new String[] {host, port};
    }
}
