using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WebApp.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class UserCountersSearchKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_users_display_name",
                table: "users");

            migrationBuilder.DropIndex(
                name: "ix_users_joined_at",
                table: "users");

            migrationBuilder.DropIndex(
                name: "ix_posts_published_at",
                table: "posts");

            migrationBuilder.AddColumn<int>(
                name: "follower_count",
                table: "users",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "post_count",
                table: "users",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "search_key",
                table: "users",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            // Rows written before the counters existed get them from a recount (UserCounters.RecountSql). Their
            // search keys need the app's case folding: DatabaseMigrations fills them after the migrations.
            migrationBuilder.Sql("""
                UPDATE users SET
                  post_count = (SELECT count(*) FROM posts WHERE posts.user_id = users.id),
                  follower_count = (SELECT count(*) FROM follows WHERE follows.followee_id = users.id)
                """);

            migrationBuilder.CreateIndex(
                name: "ix_users_display_name_handle",
                table: "users",
                columns: new[] { "display_name", "handle" });

            migrationBuilder.CreateIndex(
                name: "ix_users_follower_count_id",
                table: "users",
                columns: new[] { "follower_count", "id" },
                descending: new[] { true, false });

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

            migrationBuilder.CreateIndex(
                name: "ix_posts_published_at_id",
                table: "posts",
                columns: new[] { "published_at", "id" },
                descending: new bool[0]);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_users_display_name_handle",
                table: "users");

            migrationBuilder.DropIndex(
                name: "ix_users_follower_count_id",
                table: "users");

            migrationBuilder.DropIndex(
                name: "ix_users_joined_at_id",
                table: "users");

            migrationBuilder.DropIndex(
                name: "ix_users_post_count_handle",
                table: "users");

            migrationBuilder.DropIndex(
                name: "ix_posts_published_at_id",
                table: "posts");

            migrationBuilder.DropColumn(
                name: "follower_count",
                table: "users");

            migrationBuilder.DropColumn(
                name: "post_count",
                table: "users");

            migrationBuilder.DropColumn(
                name: "search_key",
                table: "users");

            migrationBuilder.CreateIndex(
                name: "ix_users_display_name",
                table: "users",
                column: "display_name");

            migrationBuilder.CreateIndex(
                name: "ix_users_joined_at",
                table: "users",
                column: "joined_at");

            migrationBuilder.CreateIndex(
                name: "ix_posts_published_at",
                table: "posts",
                column: "published_at",
                descending: new bool[0]);
        }
    }
}
