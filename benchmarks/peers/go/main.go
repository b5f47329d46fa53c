// Command peer serves WebApp's profile page (/u/{handle}) from the same PostgreSQL database, in Go, for
// side-by-side benchmarks. It follows the same plan as the app: one deadline per request, the page's five
// independent queries run concurrently under it, and the HTML is rendered only after all of them have
// finished, from values already in memory.
//
// Environment:
//
//	PEER_DATABASE_URL  lib/pq connection string (URL or key=value), required
//	PEER_ADDR          listen address, default 127.0.0.1:8080
//	PEER_TIMEOUT       the request deadline as a Go duration, default 5s
//	PEER_MAX_CONNS     the connection pool's size, default 100 (Npgsql's default)
//	PEER_NOW           RFC 3339 time used as "now" for the views-last-week window (tests pin it), default the clock
package main

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log"
	"math"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gorilla/mux"
	_ "github.com/lib/pq"
	"golang.org/x/sync/errgroup"
)

const (
	pageSize        = 10
	followingSample = 8
	maxPage         = 100000
	handleMaxLength = 30
	excerptLength   = 160
	descriptionMax  = 160
	siteDescription = "WebApp: a directory of people, their profiles and their posts."
)

// The profile page's queries, as in benchmarks/pgbench/profile.sql, with bind parameters.
const (
	sqlUser = `SELECT u.id, u.handle, u.display_name, u.bio, u.location, u.website, u.joined_at
FROM users AS u
WHERE u.handle = $1
LIMIT 1`

	sqlStats = `SELECT u.post_count, u.follower_count, (
    SELECT count(*)::int
    FROM follows AS f
    WHERE f.follower_id = u.id), COALESCE((
    SELECT COALESCE(sum(u0.views), 0.0)::bigint
    FROM user_daily_views AS u0
    WHERE u0.user_id = u.id AND u0.day > $2), 0), COALESCE((
    SELECT COALESCE(sum(u1.views), 0.0)::bigint
    FROM user_daily_views AS u1
    WHERE u1.user_id = u.id), 0)
FROM users AS u
WHERE u.handle = $1
LIMIT 1`

	sqlPosts = `SELECT p.id, p.title, substring(p.body, 1, 200), p.published_at, p.like_count
FROM posts AS p
INNER JOIN users AS u ON p.user_id = u.id
WHERE u.handle = $1
ORDER BY p.published_at DESC, p.id DESC
LIMIT 10 OFFSET $2`

	sqlFollowing = `SELECT u.handle, u.display_name, u.location
FROM follows AS f
INNER JOIN users AS u ON f.followee_id = u.id
WHERE f.follower_id = COALESCE((
    SELECT u0.id
    FROM users AS u0
    WHERE u0.handle = $1
    LIMIT 1), 0)
ORDER BY f.created_at DESC, f.followee_id
LIMIT 8`

	sqlAnnouncement = `SELECT s.value
FROM site_settings AS s
WHERE s.key = 'announcement'
LIMIT 1`
)

//go:embed templates.html
var templateFiles embed.FS

type user struct {
	ID                                      int
	Handle, DisplayName, Bio, Location, Web string
	JoinedAt                                time.Time
}

type stats struct {
	Posts, Followers, Following int
	ViewsWeek, ViewsTotal       int64
}

type post struct {
	ID        int
	Title     string
	Body      string
	Published time.Time
	Likes     int
}

type followee struct{ Handle, DisplayName, Location string }

// The view models: everything the templates show, computed before rendering.

type avatarView struct {
	Label, Fill, Initials string
}

type postView struct {
	ID                               int
	Title, Excerpt, Iso, Date, Likes string
}

type followeeView struct {
	Handle, DisplayName string
	Avatar              avatarView
}

type statView struct{ Posts, Followers, Following, ViewsWeek, ViewsTotal string }

type pagerView struct {
	Page, TotalPages   int
	PrevHref, NextHref string
}

type profileView struct {
	Announcement                       string
	Avatar                             avatarView
	Handle, DisplayName, Bio, Location string
	Website, WebsiteHref               string
	JoinedIso, JoinedDate              string
	Stats                              statView
	Posts                              []postView
	Pager                              pagerView
	Following                          []followeeView
}

type errorView struct {
	Status             int
	Title, Explanation string
}

type pageView struct {
	Title, Description string
	Profile            *profileView
	Error              *errorView
}

type server struct {
	stmtUser, stmtStats, stmtPosts, stmtFollowing, stmtAnnouncement *sql.Stmt
	timeout                                                         time.Duration
	now                                                             func() time.Time
	pages                                                           *template.Template
}

func main() {
	dsn := os.Getenv("PEER_DATABASE_URL")
	if dsn == "" {
		log.Fatal("PEER_DATABASE_URL is required (a lib/pq connection string)")
	}
	addr := envOr("PEER_ADDR", "127.0.0.1:8080")
	timeout, err := time.ParseDuration(envOr("PEER_TIMEOUT", "5s"))
	if err != nil || timeout <= 0 {
		log.Fatalf("PEER_TIMEOUT: not a positive duration: %q", os.Getenv("PEER_TIMEOUT"))
	}
	maxConns, err := strconv.Atoi(envOr("PEER_MAX_CONNS", "100"))
	if err != nil || maxConns <= 0 {
		log.Fatalf("PEER_MAX_CONNS: not a positive integer: %q", os.Getenv("PEER_MAX_CONNS"))
	}
	now := time.Now
	if text := os.Getenv("PEER_NOW"); text != "" {
		fixed, err := time.Parse(time.RFC3339, text)
		if err != nil {
			log.Fatalf("PEER_NOW: %v", err)
		}
		now = func() time.Time { return fixed }
	}

	db, err := sql.Open("postgres", dsn)
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)

	startup, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := &server{timeout: timeout, now: now}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.stmtUser, sqlUser}, {&s.stmtStats, sqlStats}, {&s.stmtPosts, sqlPosts},
		{&s.stmtFollowing, sqlFollowing}, {&s.stmtAnnouncement, sqlAnnouncement},
	} {
		if *p.stmt, err = db.PrepareContext(startup, p.sql); err != nil {
			log.Fatalf("preparing the profile's queries: %v", err)
		}
	}
	s.pages = template.Must(template.ParseFS(templateFiles, "templates.html"))

	router := mux.NewRouter()
	router.HandleFunc("/u/{handle}", s.profile).Methods(http.MethodGet, http.MethodHead)
	router.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	}).Methods(http.MethodGet, http.MethodHead)
	router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, http.StatusNotFound)
	})
	router.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, http.StatusMethodNotAllowed)
	})

	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, router))
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func (s *server) profile(w http.ResponseWriter, r *http.Request) {
	handle := mux.Vars(r)["handle"]
	if !validHandle(handle) {
		s.renderError(w, http.StatusNotFound)
		return
	}
	page, ok := parsePage(r.URL.Query())
	if !ok {
		s.renderError(w, http.StatusBadRequest)
		return
	}
	weekStart := s.now().UTC().AddDate(0, 0, -7).Format("2006-01-02")

	deadline, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()

	// Five independent queries; each goroutine writes only its own result. The first error cancels the rest.
	var (
		u            *user
		st           *stats
		posts        []post
		following    []followee
		announcement sql.NullString
	)
	group, ctx := errgroup.WithContext(deadline)
	group.Go(func() error {
		var v user
		err := s.stmtUser.QueryRowContext(ctx, handle).Scan(&v.ID, &v.Handle, &v.DisplayName, &v.Bio, &v.Location, &v.Web, &v.JoinedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err == nil {
			u = &v
		}
		return err
	})
	group.Go(func() error {
		var v stats
		err := s.stmtStats.QueryRowContext(ctx, handle, weekStart).Scan(&v.Posts, &v.Followers, &v.Following, &v.ViewsWeek, &v.ViewsTotal)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err == nil {
			st = &v
		}
		return err
	})
	group.Go(func() error {
		rows, err := s.stmtPosts.QueryContext(ctx, handle, (page-1)*pageSize)
		if err != nil {
			return err
		}
		defer rows.Close()
		list := make([]post, 0, pageSize)
		for rows.Next() {
			var p post
			if err := rows.Scan(&p.ID, &p.Title, &p.Body, &p.Published, &p.Likes); err != nil {
				return err
			}
			list = append(list, p)
		}
		posts = list
		return rows.Err()
	})
	group.Go(func() error {
		rows, err := s.stmtFollowing.QueryContext(ctx, handle)
		if err != nil {
			return err
		}
		defer rows.Close()
		list := make([]followee, 0, followingSample)
		for rows.Next() {
			var f followee
			if err := rows.Scan(&f.Handle, &f.DisplayName, &f.Location); err != nil {
				return err
			}
			list = append(list, f)
		}
		following = list
		return rows.Err()
	})
	group.Go(func() error {
		err := s.stmtAnnouncement.QueryRowContext(ctx).Scan(&announcement)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err := group.Wait(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(deadline.Err(), context.DeadlineExceeded) {
			s.renderError(w, http.StatusGatewayTimeout)
			return
		}
		if r.Context().Err() != nil {
			return // the client went away: nobody to answer
		}
		log.Printf("profile %s: %v", handle, err)
		s.renderError(w, http.StatusInternalServerError)
		return
	}

	// Everything is loaded: from here on, no I/O until the response is written.
	if u == nil || st == nil {
		s.renderError(w, http.StatusNotFound)
		return
	}
	totalPages := (st.Posts + pageSize - 1) / pageSize
	if totalPages < 1 {
		totalPages = 1
	}
	if page > totalPages {
		s.renderError(w, http.StatusNotFound)
		return
	}

	view := &profileView{
		Avatar:      avatarFor(u.Handle, u.DisplayName),
		Handle:      u.Handle,
		DisplayName: u.DisplayName,
		Bio:         u.Bio,
		Location:    u.Location,
		Website:     u.Web,
		WebsiteHref: websiteHref(u.Web),
		JoinedIso:   isoDate(u.JoinedAt),
		JoinedDate:  displayDate(u.JoinedAt),
		Stats: statView{
			Posts: count(int64(st.Posts)), Followers: count(int64(st.Followers)), Following: count(int64(st.Following)),
			ViewsWeek: count(st.ViewsWeek), ViewsTotal: count(st.ViewsTotal),
		},
		Pager: pagerView{Page: page, TotalPages: totalPages},
	}
	if announcement.Valid && strings.TrimFunc(announcement.String, unicode.IsSpace) != "" {
		view.Announcement = announcement.String
	}
	path := "/u/" + handle
	if page > 1 {
		view.Pager.PrevHref = pageHref(path, page-1)
	}
	if page < totalPages {
		view.Pager.NextHref = pageHref(path, page+1)
	}
	for _, p := range posts {
		view.Posts = append(view.Posts, postView{
			ID: p.ID, Title: p.Title, Excerpt: excerpt(p.Body, excerptLength),
			Iso: isoDate(p.Published), Date: displayDate(p.Published), Likes: count(int64(p.Likes)),
		})
	}
	for _, f := range following {
		view.Following = append(view.Following, followeeView{Handle: f.Handle, DisplayName: f.DisplayName, Avatar: avatarFor(f.Handle, f.DisplayName)})
	}

	var description string
	if page > 1 {
		description = fmt.Sprintf("Posts by %s (@%s), page %d of %d. ", u.DisplayName, u.Handle, page, totalPages)
	} else {
		description = fmt.Sprintf("%s (@%s): ", u.DisplayName, u.Handle)
	}
	if u.Bio != "" {
		description += u.Bio
	} else {
		description += fmt.Sprintf("%s posts, %s followers.", count(int64(st.Posts)), count(int64(st.Followers)))
	}

	s.render(w, http.StatusOK, &pageView{
		Title:       fmt.Sprintf("%s (@%s)", u.DisplayName, u.Handle),
		Description: pageDescription(description),
		Profile:     view,
	})
}

func (s *server) renderError(w http.ResponseWriter, status int) {
	var title, explanation string
	switch {
	case status == 400:
		title, explanation = "Bad request", "Something in the address is not valid. Check the link and try again."
	case status == 404:
		title, explanation = "Page not found", "There is no page at this address. The user or post may not exist."
	case status == 405:
		title, explanation = "Method not allowed", "This address can only be read: the site answers GET and HEAD requests here."
	case status == 503:
		title, explanation = "Temporarily unavailable", "The site cannot reach its database right now. Please try again in a moment."
	case status == 504:
		title, explanation = "This page took too long", "The page could not be loaded before its deadline. Please try again in a moment."
	case status >= 500:
		title, explanation = "Something went wrong", "The page could not be loaded. The error has been logged; please try again later."
	default:
		title, explanation = "Request not accepted", "The server could not accept this request."
	}
	s.render(w, status, &pageView{
		Title:       title,
		Description: pageDescription(explanation),
		Error:       &errorView{Status: status, Title: title, Explanation: explanation},
	})
}

// render writes the whole page or, if the template fails, a bare 500: never half a page.
func (s *server) render(w http.ResponseWriter, status int, page *pageView) {
	var body bytes.Buffer
	if err := s.pages.ExecuteTemplate(&body, "layout", page); err != nil {
		log.Printf("render: %v", err)
		http.Error(w, "render failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body.Bytes())
}

// validHandle: 1 to 30 of a-z, 0-9 and underscore (the app's route constraint).
func validHandle(handle string) bool {
	if len(handle) == 0 || len(handle) > handleMaxLength {
		return false
	}
	for i := 0; i < len(handle); i++ {
		c := handle[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// parsePage: absent is page 1; otherwise only decimal digits, 1 to 100000.
func parsePage(query url.Values) (int, bool) {
	values, present := query["page"]
	if !present || len(values) == 0 {
		return 1, true
	}
	text := values[0]
	if text == "" {
		return 0, false
	}
	for i := 0; i < len(text); i++ {
		if text[i] < '0' || text[i] > '9' {
			return 0, false
		}
	}
	page, err := strconv.Atoi(text)
	if err != nil || page < 1 || page > maxPage {
		return 0, false
	}
	return page, true
}

func pageHref(path string, page int) string {
	if page == 1 {
		return path
	}
	return path + "?page=" + strconv.Itoa(page)
}

func isoDate(t time.Time) string     { return t.UTC().Format("2006-01-02") }
func displayDate(t time.Time) string { return t.UTC().Format("2 Jan 2006") }

// count formats an integer with comma thousands separators ("1,234").
func count(value int64) string {
	digits := strconv.FormatInt(value, 10)
	sign := ""
	if value < 0 {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// replaceLineEndings turns CR LF, CR, LF, FF, NEL, LS and PS into a space each.
func replaceLineEndings(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch r {
		case '\r':
			b.WriteByte(' ')
			if i+1 < len(text) && text[i+1] == '\n' {
				size++
			}
		case '\n', '\f', '\u0085', '\u2028', '\u2029':
			b.WriteByte(' ')
		default:
			b.WriteString(text[i : i+size])
		}
		i += size
	}
	return b.String()
}

// excerpt: the first characters of a body, cut at a word boundary. Lengths count UTF-16 code units, as the
// app's do, so that both cut the same text at the same place.
func excerpt(body string, length int) string {
	flat := utf16.Encode([]rune(replaceLineEndings(body)))
	if len(flat) <= length {
		return string(utf16.Decode(flat))
	}
	cut := -1
	for i := length; i >= 0; i-- {
		if flat[i] == ' ' {
			cut = i
			break
		}
	}
	if cut <= length/2 {
		cut = length
	}
	if utf16.IsSurrogate(rune(flat[cut-1])) && flat[cut-1] < 0xDC00 {
		cut-- // never split an emoji in two
	}
	return string(utf16.Decode(flat[:cut])) + "…"
}

// pageDescription: the meta description, whitespace collapsed and cut to a search snippet's length.
func pageDescription(text string) string {
	flat := strings.Join(strings.Fields(text), " ")
	if flat == "" {
		return siteDescription
	}
	return excerpt(flat, descriptionMax)
}

// websiteHref: the website as a link target only when it is an absolute http(s) address, normalised the
// way the app's URI parser writes it back (lower-case scheme and host, "/" for an empty path); else "".
func websiteHref(website string) string {
	if strings.TrimSpace(website) != website || website == "" {
		return ""
	}
	parsed, err := url.Parse(website)
	if err != nil || parsed.Host == "" || parsed.Opaque != "" || parsed.User != nil {
		return ""
	}
	scheme := strings.ToLower(parsed.Scheme)
	if scheme != "http" && scheme != "https" {
		return ""
	}
	parsed.Scheme = scheme
	parsed.Host = strings.ToLower(parsed.Host)
	if (scheme == "http" && parsed.Port() == "80") || (scheme == "https" && parsed.Port() == "443") {
		parsed.Host = parsed.Hostname()
	}
	if parsed.Path == "" {
		parsed.Path = "/"
	}
	return parsed.String()
}

// avatarFor: initials on a colour picked from the handle (FNV-1a over its UTF-8 bytes, modulo 360 degrees).
func avatarFor(handle, displayName string) avatarView {
	return avatarView{Label: "Avatar of " + displayName, Fill: fill(hueOf(handle)), Initials: initialsOf(handle, displayName)}
}

func hueOf(handle string) int {
	hash := uint32(2166136261)
	for i := 0; i < len(handle); i++ {
		hash = (hash ^ uint32(handle[i])) * 16777619
	}
	return int(hash % 360)
}

// initialsOf: the first letter or digit of the first and of the last word that has one; else the handle's first.
func initialsOf(handle, displayName string) string {
	var firsts []rune
	for _, word := range strings.Fields(displayName) {
		for _, r := range word {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				firsts = append(firsts, r)
				break
			}
		}
	}
	var initials string
	switch len(firsts) {
	case 0:
		if handle == "" {
			initials = "?"
		} else {
			initials = handle[:1]
		}
	case 1:
		initials = string(firsts[0])
	default:
		initials = string(firsts[0]) + string(firsts[len(firsts)-1])
	}
	return strings.ToUpper(initials)
}

// fill: the hue at saturation 0.5 and lightness 0.3, as #rrggbb.
func fill(hue int) string {
	const saturation, lightness = 0.5, 0.3
	chroma := (1 - math.Abs(2*lightness-1)) * saturation
	h := float64(hue) / 60.0
	x := chroma * (1 - math.Abs(math.Mod(h, 2)-1))
	var r, g, b float64
	switch {
	case h < 1:
		r, g, b = chroma, x, 0
	case h < 2:
		r, g, b = x, chroma, 0
	case h < 3:
		r, g, b = 0, chroma, x
	case h < 4:
		r, g, b = 0, x, chroma
	case h < 5:
		r, g, b = x, 0, chroma
	default:
		r, g, b = chroma, 0, x
	}
	m := lightness - chroma/2
	return fmt.Sprintf("#%02x%02x%02x", channel(r+m), channel(g+m), channel(b+m))
}

func channel(value float64) int {
	return int(math.RoundToEven(math.Max(0, math.Min(1, value)) * 255))
}
