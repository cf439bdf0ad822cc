package org.lifeboat.testutil;

import java.nio.file.Path;
import java.time.Duration;
import org.lifeboat.apps.DbConnection;
import org.lifeboat.apps.MySql;
import org.lifeboat.apps.Postgres;
import org.lifeboat.apps.Server;

/**
 * The database servers the recovery tests back up and recover: a real PostgreSQL holding
 * {@code shop.orders} (3 rows) and a real MariaDB holding {@code crm.customers} (2 rows), each
 * on a free 127.0.0.1 port in its own folder. The caller stops them.
 */
public final class ShopServers {
    private static final Duration T = Duration.ofSeconds(90);

    private ShopServers() {}

    /** A PostgreSQL server in {@code dir} (superuser postgres, no password) with shop.orders. */
    public static Server postgresShop(Path dir) throws Exception {
        Server pg = Postgres.locate().createServer(dir, PlanRuns.freePort(), "postgres", null, T);
        Postgres p = Postgres.locate();
        DbConnection c = pg.connection("postgres", null);
        p.query(c, "postgres", "create database shop", T);
        p.query(c, "shop", "create table orders (id int primary key, item text); "
                + "insert into orders values (1, 'boat'), (2, 'oar'), (3, 'life vest')", T);
        return pg;
    }

    /** A MariaDB server in {@code dir} (user root, no password) with crm.customers. */
    public static Server mariaCrm(Path dir) throws Exception {
        Server maria = MySql.locate().createServer(dir, PlanRuns.freePort(), "root", null, T);
        MySql m = MySql.locate();
        DbConnection mc = maria.connection("root", null);
        m.query(mc, "", "create database crm", T);
        m.query(mc, "crm", "create table customers (id int primary key, name text); "
                + "insert into customers values (1, 'Ann'), (2, 'Bo')", T);
        return maria;
    }
}
