using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WebApp.Data.Migrations.Sqlite
{
    /// <summary>
    /// The directory's search on SQLite, which keeps no statistics to choose a plan by. The sort indexes carry the
    /// search key, so walking one to find a page of matches never reads the table. An FTS5 table over
    /// users.search_key with the trigram tokenizer, kept current by triggers, answers texts of three characters or
    /// more (PostgreSQL has pg_trgm's index). Case-sensitive because the keys are already folded by the app
    /// (<see cref="SearchKey"/>): SQLite's own folding must not differ from it.
    /// </summary>
    public partial class UserSearchIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_users_display_name_handle",
                table: "users");

            migrationBuilder.DropIndex(
                name: "ix_users_joined_at_id",
                table: "users");

            migrationBuilder.DropIndex(
                name: "ix_users_post_count_handle",
                table: "users");

            migrationBuilder.CreateIndex(
                name: "ix_users_display_name_handle_search_key",
                table: "users",
                columns: new[] { "display_name", "handle", "search_key" });

            migrationBuilder.CreateIndex(
                name: "ix_users_joined_at_id_search_key",
                table: "users",
                columns: new[] { "joined_at", "id", "search_key" },
                descending: new[] { true, false, false });

            migrationBuilder.CreateIndex(
                name: "ix_users_post_count_handle_search_key",
                table: "users",
                columns: new[] { "post_count", "handle", "search_key" },
                descending: new[] { true, false, false });

            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE users_search USING fts5(
                  search_key, content='users', content_rowid='id', tokenize='trigram case_sensitive 1');
                """);
            migrationBuilder.Sql("INSERT INTO users_search(users_search) VALUES ('rebuild');");
            migrationBuilder.Sql("""
                CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
                  INSERT INTO users_search(rowid, search_key) VALUES (new.id, new.search_key);
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
                  INSERT INTO users_search(users_search, rowid, search_key) VALUES ('delete', old.id, old.search_key);
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER users_search_update AFTER UPDATE OF search_key ON users BEGIN
                  INSERT INTO users_search(users_search, rowid, search_key) VALUES ('delete', old.id, old.search_key);
                  INSERT INTO users_search(rowid, search_key) VALUES (new.id, new.search_key);
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER users_search_update;");
            migrationBuilder.Sql("DROP TRIGGER users_search_delete;");
            migrationBuilder.Sql("DROP TRIGGER users_search_insert;");
            migrationBuilder.Sql("DROP TABLE users_search;");

            migrationBuilder.DropIndex(
                name: "ix_users_display_name_handle_search_key",
                table: "users");

            migrationBuilder.DropIndex(
                name: "ix_users_joined_at_id_search_key",
                table: "users");

            migrationBuilder.DropIndex(
                name: "ix_users_post_count_handle_search_key",
                table: "users");

            migrationBuilder.CreateIndex(
                name: "ix_users_display_name_handle",
                table: "users",
                columns: new[] { "display_name", "handle" });

            migrationBuilder.CreateIndex(
                name: "ix_users_joined_at_id",
                table: "users",
                columns: new[] { "joined_at", "id" },
                descending: new[] { true, false });

            migrationBuilder.CreateIndex(
                name: "ix_users_post_count_handle",
                table: "users",
                columns: new[] { "post_count", "handle" },
                descending: new[] { true, false });
        }
    }
}
