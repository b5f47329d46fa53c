using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WebApp.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FollowingOrderIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_follows_follower_id_created_at_followee_id",
                table: "follows",
                columns: new[] { "follower_id", "created_at", "followee_id" },
                descending: new[] { false, true, false });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_follows_follower_id_created_at_followee_id",
                table: "follows");
        }
    }
}
