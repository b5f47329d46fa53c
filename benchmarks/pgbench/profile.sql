-- The profile page's SQL as the app sends it (captured from PostgreSQL's log with log_min_duration_statement = 0),
-- for pgbench -M prepared: one transaction is one page. A random user's handle first (the app gets it from the URL).
\set id random(1, :users)
SELECT handle AS h FROM users WHERE id = :id \gset
-- profile.user
SELECT u.id, u.handle, u.display_name, u.bio, u.location, u.website, u.joined_at
FROM users AS u
WHERE u.handle = :h
LIMIT 1;
-- profile.stats
SELECT u.post_count, u.follower_count, (
    SELECT count(*)::int
    FROM follows AS f
    WHERE f.follower_id = u.id), COALESCE((
    SELECT COALESCE(sum(u0.views), 0.0)::bigint
    FROM user_daily_views AS u0
    WHERE u0.user_id = u.id AND u0.day > current_date - 7), 0), COALESCE((
    SELECT COALESCE(sum(u1.views), 0.0)::bigint
    FROM user_daily_views AS u1
    WHERE u1.user_id = u.id), 0)
FROM users AS u
WHERE u.handle = :h
LIMIT 1;
-- profile.posts
SELECT p.id, p.title, substring(p.body, 1, 200), p.published_at, p.like_count
FROM posts AS p
WHERE p.user_id = COALESCE((
    SELECT u.id
    FROM users AS u
    WHERE u.handle = :h
    LIMIT 1), 0)
ORDER BY p.published_at DESC, p.id DESC
LIMIT 10 OFFSET 0;
-- profile.following
SELECT u.handle, u.display_name, u.location
FROM follows AS f
INNER JOIN users AS u ON f.followee_id = u.id
WHERE f.follower_id = COALESCE((
    SELECT u0.id
    FROM users AS u0
    WHERE u0.handle = :h
    LIMIT 1), 0)
ORDER BY f.created_at DESC, f.followee_id
LIMIT 8;
-- (profile.announcement is read from the app's in-memory cache, at most a minute old: not a query a page makes.)
