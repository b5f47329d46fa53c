using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WebApp.Data.Migrations.Sqlite
{
    /// <summary>
    /// The directory's search index on SQLite (PostgreSQL has pg_trgm's): an FTS5 table over users.search_key with
    /// the trigram tokenizer, kept current by triggers. Case-sensitive because the keys are already folded by the app
    /// (<see cref="SearchKey"/>): SQLite's own folding must not differ from it.
    /// </summary>
    public partial class UserSearchTrigrams : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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
        }
    }
}
