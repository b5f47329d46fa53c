using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WebApp.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PostsByUserIndexOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_posts_user_id_published_at",
                table: "posts");

            migrationBuilder.CreateIndex(
                name: "ix_posts_user_id_published_at_id",
                table: "posts",
                columns: new[] { "user_id", "published_at", "id" },
                descending: new[] { false, true, true });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_posts_user_id_published_at_id",
                table: "posts");

            migrationBuilder.CreateIndex(
                name: "ix_posts_user_id_published_at",
                table: "posts",
                columns: new[] { "user_id", "published_at" },
                descending: new[] { false, true });
        }
    }
}
