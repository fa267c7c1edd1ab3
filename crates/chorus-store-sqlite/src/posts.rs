//! Posts: one idea for a client, its variants per network, and every saved state of it.
//!
//! A post and its variants are written together in one `write_tx`, which holds SQLite's write lock from its first
//! statement: the client and pillar checks, the revision check of an update and the writes all see the same
//! database, and two saves of one post run one after the other (the second sees the first's revision).

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr as _;

use async_trait::async_trait;
use chorus_domain::{
    Aspect, AssetId, ClientAccess, ClientId, Cursor, Network, OrganizationId, Page, PageRequest, PersonId, PillarId,
    Post, PostDraft, PostId, PostRevision, PostStatus, Variant, VariantId, VariantMedia,
};
use chorus_store::{AssetUse, PostQuery, PostStore, StoreError, StoreResult};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use uuid::Uuid;

use crate::query::{contains_pattern, push_ids};
use crate::rows::{self, POST_COLUMNS, PostRow, REVISION_COLUMNS, RevisionRow, VARIANT_COLUMNS, VariantRow};
use crate::{SqliteStore, now};

fn encoding(what: &'static str) -> impl Fn(serde_json::Error) -> StoreError {
    move |e| StoreError::Other(format!("cannot encode {what}: {e}"))
}

/// Rows per multi-row `INSERT`: at most 14 parameters a row, well under SQLite's 32,766 per statement.
const BATCH: usize = 500;

#[async_trait]
impl PostStore for SqliteStore {
    async fn create_post(
        &self,
        org: OrganizationId,
        client: ClientId,
        draft: &PostDraft,
        by: PersonId,
    ) -> StoreResult<Post> {
        let post = draft.new_post(org, client, by, now());
        let mut tx = self.write_tx().await?;
        self.client_in(&mut tx, org, client).await?;
        self.pillar_of(&mut tx, org, client, post.pillar_id).await?;
        self.assets_of(&mut tx, org, client, std::slice::from_ref(&post)).await?;
        self.insert_posts(&mut tx, std::slice::from_ref(&post)).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(post)
    }

    async fn create_posts(
        &self,
        org: OrganizationId,
        client: ClientId,
        drafts: &[PostDraft],
        by: PersonId,
    ) -> StoreResult<Vec<PostId>> {
        let at = now();
        let posts: Vec<Post> = drafts.iter().map(|draft| draft.new_post(org, client, by, at)).collect();
        let mut tx = self.write_tx().await?;
        self.client_in(&mut tx, org, client).await?;
        let mut pillars: Vec<PillarId> = posts.iter().filter_map(|p| p.pillar_id).collect();
        pillars.sort_by_key(|p| p.as_uuid());
        pillars.dedup();
        for pillar in pillars {
            self.pillar_of(&mut tx, org, client, Some(pillar)).await?;
        }
        self.assets_of(&mut tx, org, client, &posts).await?;
        self.insert_posts(&mut tx, &posts).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(posts.iter().map(|p| p.id).collect())
    }

    async fn post(&self, org: OrganizationId, id: PostId) -> StoreResult<Post> {
        let mut conn = self.pool.acquire().await.map_err(self.err())?;
        self.fetch_post(&mut conn, org, id).await
    }

    async fn list_posts(&self, org: OrganizationId, query: &PostQuery, page: &PageRequest) -> StoreResult<Page<Post>> {
        let mut qb = QueryBuilder::<Sqlite>::new(format!("SELECT {POST_COLUMNS} FROM posts WHERE organization_id = "));
        qb.push_bind(org.as_uuid());
        if let ClientAccess::Only(ids) = &query.access {
            if ids.is_empty() {
                return Ok(Page { items: Vec::new(), next_cursor: None });
            }
            qb.push(" AND client_id IN ");
            push_ids(&mut qb, ids);
        }
        if let Some(client) = query.client {
            qb.push(" AND client_id = ").push_bind(client.as_uuid());
        }
        if let Some(status) = query.status {
            qb.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(search) = query.search.as_deref().filter(|s| !s.is_empty()) {
            qb.push(" AND search_key LIKE ").push_bind(contains_pattern(search)).push(" ESCAPE '\\'");
        }
        // Newest first: ids are UUIDv7, and a blob compares byte by byte, i.e. in time order.
        if let Some(after) = &page.after {
            qb.push(" AND id < ").push_bind(after.id);
        }
        qb.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(page.limit) + 1);
        let mut conn = self.pool.acquire().await.map_err(self.err())?;
        let rows = qb.build_query_as::<PostRow>().fetch_all(&mut *conn).await.map_err(self.err())?;
        let ids: Vec<Uuid> = rows.iter().map(PostRow::id).collect();
        let mut variants = self.fetch_variants(&mut conn, org, &ids).await?;
        let posts = rows
            .into_iter()
            .map(|row| {
                let of_post = variants.remove(&row.id()).unwrap_or_default();
                row.into_domain(of_post)
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_overfetch(posts, page.limit, |p| Cursor { key: String::new(), id: p.id.as_uuid() }))
    }

    async fn update_post(
        &self,
        org: OrganizationId,
        id: PostId,
        draft: &PostDraft,
        by: PersonId,
        expected_revision: Option<u32>,
    ) -> StoreResult<Post> {
        let mut tx = self.write_tx().await?;
        let current = self.fetch_post(&mut tx, org, id).await?;
        if expected_revision.is_some_and(|expected| expected != current.revision) {
            return Err(StoreError::revision_taken(current.revision));
        }
        self.pillar_of(&mut tx, org, current.client_id, draft.pillar_id).await?;
        let keep: HashMap<Network, VariantId> = current.variants.iter().map(|v| (v.network, v.id)).collect();
        let revision = current
            .revision
            .checked_add(1)
            .ok_or_else(|| StoreError::Other(format!("post {id} has run out of revision numbers")))?;
        let post = Post {
            status: draft.status,
            title: draft.title.clone(),
            base_text: draft.base_text.clone(),
            pillar_id: draft.pillar_id,
            sponsored: draft.sponsored,
            variants: draft.variants_keeping(&keep),
            revision,
            updated_by: by,
            updated_at: now(),
            ..current
        };
        self.assets_of(&mut tx, org, post.client_id, std::slice::from_ref(&post)).await?;
        sqlx::query(
            "UPDATE posts SET status = ?, title = ?, base_text = ?, search_key = ?, pillar_id = ?, sponsored = ?, \
             revision = ?, updated_by = ?, updated_at = ? WHERE id = ? AND organization_id = ?",
        )
        .bind(post.status.as_str())
        .bind(post.title.as_str())
        .bind(post.base_text.as_str())
        .bind(chorus_store::post_search_key(&post.title, &post.base_text))
        .bind(post.pillar_id.map(|p| p.as_uuid()))
        .bind(post.sponsored)
        .bind(i64::from(post.revision))
        .bind(by.as_uuid())
        .bind(post.updated_at)
        .bind(id.as_uuid())
        .bind(org.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(self.err())?;
        self.replace_variants(&mut tx, &post, &keep).await?;
        self.insert_revisions(&mut tx, std::slice::from_ref(&post)).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(post)
    }

    async fn delete_post(&self, org: OrganizationId, id: PostId) -> StoreResult<()> {
        // Variants and revisions go with it (ON DELETE CASCADE).
        let deleted = sqlx::query("DELETE FROM posts WHERE id = ? AND organization_id = ?")
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::NotFound("post"));
        }
        Ok(())
    }

    async fn duplicate_post(
        &self,
        org: OrganizationId,
        id: PostId,
        by: PersonId,
        status: PostStatus,
    ) -> StoreResult<Post> {
        let mut tx = self.write_tx().await?;
        let original = self.fetch_post(&mut tx, org, id).await?;
        let at = now();
        let post = Post {
            id: PostId::new(),
            status,
            title: original.copy_title(status),
            variants: original.variants.iter().map(|v| Variant { id: VariantId::new(), ..v.clone() }).collect(),
            revision: 1,
            created_by: by,
            updated_by: by,
            created_at: at,
            updated_at: at,
            ..original
        };
        self.insert_posts(&mut tx, std::slice::from_ref(&post)).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(post)
    }

    async fn post_revisions(&self, org: OrganizationId, id: PostId) -> StoreResult<Vec<PostRevision>> {
        let sql = format!(
            "SELECT {REVISION_COLUMNS} FROM post_revisions WHERE post_id = ? AND organization_id = ? \
             ORDER BY revision DESC"
        );
        let rows = sqlx::query_as::<_, RevisionRow>(&sql)
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(self.err())?;
        // Every post has at least its first revision.
        if rows.is_empty() {
            return Err(StoreError::NotFound("post"));
        }
        rows::all(rows, RevisionRow::into_domain)
    }

    async fn posts_using_asset(&self, org: OrganizationId, asset: AssetId) -> StoreResult<Vec<AssetUse>> {
        let rows: Vec<(Uuid, String, String, String)> = sqlx::query_as(
            "SELECT DISTINCT p.id, p.title, p.status, v.network FROM variant_media m \
             JOIN variants v ON v.id = m.variant_id JOIN posts p ON p.id = m.post_id \
             WHERE m.asset_id = ? AND m.organization_id = ? ORDER BY p.id DESC, v.position",
        )
        .bind(asset.as_uuid())
        .bind(org.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(self.err())?;
        let mut uses: Vec<AssetUse> = Vec::new();
        for (post, title, status, network) in rows {
            let network = Network::from_str(&network).map_err(|e| StoreError::Corrupt(format!("post {post}: {e}")))?;
            match uses.last_mut() {
                Some(last) if last.post_id.as_uuid() == post => last.networks.push(network),
                _ => uses.push(AssetUse {
                    post_id: PostId::from_uuid(post),
                    title,
                    status: PostStatus::parse(&status).map_err(|e| StoreError::Corrupt(format!("post {post}: {e}")))?,
                    networks: vec![network],
                }),
            }
        }
        Ok(uses)
    }
}

impl SqliteStore {
    /// Fails with a conflict on `asset` when posts carry any of these files, naming how many and which: a file a
    /// post will publish must not vanish from under it.
    pub(crate) async fn refuse_assets_in_use(
        &self,
        conn: &mut SqliteConnection,
        org: OrganizationId,
        assets: &[AssetId],
    ) -> StoreResult<()> {
        if assets.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT DISTINCT p.title FROM variant_media m JOIN posts p ON p.id = m.post_id WHERE m.organization_id = ",
        );
        qb.push_bind(org.as_uuid()).push(" AND m.asset_id IN (");
        let mut list = qb.separated(", ");
        for id in assets {
            list.push_bind(id.as_uuid());
        }
        qb.push(") ORDER BY p.title");
        let titles: Vec<String> = qb.build_query_scalar().fetch_all(&mut *conn).await.map_err(self.err())?;
        if titles.is_empty() { Ok(()) } else { Err(StoreError::assets_in_use(&titles)) }
    }

    /// Fails with `NotFound("client")` unless the client exists in the organization.
    async fn client_in(&self, conn: &mut SqliteConnection, org: OrganizationId, client: ClientId) -> StoreResult<()> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM clients WHERE id = ? AND organization_id = ?")
            .bind(client.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&mut *conn)
            .await
            .map_err(self.err())?;
        found.map(|_| ()).ok_or(StoreError::NotFound("client"))
    }

    /// Fails with `NotFound("pillar")` unless `pillar` (when given) is one of the client's.
    async fn pillar_of(
        &self,
        conn: &mut SqliteConnection,
        org: OrganizationId,
        client: ClientId,
        pillar: Option<PillarId>,
    ) -> StoreResult<()> {
        let Some(pillar) = pillar else { return Ok(()) };
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM pillars WHERE id = ? AND client_id = ? AND organization_id = ?")
                .bind(pillar.as_uuid())
                .bind(client.as_uuid())
                .bind(org.as_uuid())
                .fetch_optional(&mut *conn)
                .await
                .map_err(self.err())?;
        found.map(|_| ()).ok_or(StoreError::NotFound("pillar"))
    }

    async fn fetch_post(&self, conn: &mut SqliteConnection, org: OrganizationId, id: PostId) -> StoreResult<Post> {
        let sql = format!("SELECT {POST_COLUMNS} FROM posts WHERE id = ? AND organization_id = ?");
        let row = sqlx::query_as::<_, PostRow>(&sql)
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&mut *conn)
            .await
            .map_err(self.err())?
            .ok_or(StoreError::NotFound("post"))?;
        let mut variants = self.fetch_variants(conn, org, &[id.as_uuid()]).await?;
        row.into_domain(variants.remove(&id.as_uuid()).unwrap_or_default())
    }

    /// The variants of these posts, by post, each post's in order.
    async fn fetch_variants(
        &self,
        conn: &mut SqliteConnection,
        org: OrganizationId,
        posts: &[Uuid],
    ) -> StoreResult<HashMap<Uuid, Vec<Variant>>> {
        let mut by_post: HashMap<Uuid, Vec<Variant>> = HashMap::new();
        if posts.is_empty() {
            return Ok(by_post);
        }
        let mut qb =
            QueryBuilder::<Sqlite>::new(format!("SELECT {VARIANT_COLUMNS} FROM variants WHERE organization_id = "));
        qb.push_bind(org.as_uuid()).push(" AND post_id IN (");
        let mut list = qb.separated(", ");
        for id in posts.iter().collect::<BTreeSet<_>>() {
            list.push_bind(*id);
        }
        qb.push(") ORDER BY post_id, position");
        let rows = qb.build_query_as::<VariantRow>().fetch_all(&mut *conn).await.map_err(self.err())?;
        let mut media = self.fetch_media(conn, org, posts).await?;
        for row in rows {
            let (post, mut variant) = row.into_domain()?;
            variant.media = media.remove(&variant.id.as_uuid()).unwrap_or_default();
            by_post.entry(post).or_default().push(variant);
        }
        Ok(by_post)
    }

    /// The media of these posts' variants, by variant, each variant's in order.
    async fn fetch_media(
        &self,
        conn: &mut SqliteConnection,
        org: OrganizationId,
        posts: &[Uuid],
    ) -> StoreResult<HashMap<Uuid, Vec<VariantMedia>>> {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT variant_id, asset_id, alt_text, crop FROM variant_media WHERE organization_id = ",
        );
        qb.push_bind(org.as_uuid()).push(" AND post_id IN (");
        let mut list = qb.separated(", ");
        for id in posts.iter().collect::<BTreeSet<_>>() {
            list.push_bind(*id);
        }
        qb.push(") ORDER BY variant_id, position");
        let rows: Vec<(Uuid, Uuid, String, Option<String>)> =
            qb.build_query_as().fetch_all(&mut *conn).await.map_err(self.err())?;
        let mut by_variant: HashMap<Uuid, Vec<VariantMedia>> = HashMap::new();
        for (variant, asset, alt_text, crop) in rows {
            let crop = crop
                .map(|c| Aspect::parse(&c))
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("variant {variant}: {e}")))?;
            by_variant.entry(variant).or_default().push(VariantMedia {
                asset_id: AssetId::from_uuid(asset),
                alt_text,
                crop,
            });
        }
        Ok(by_variant)
    }

    /// Fails with `NotFound("asset")` unless every asset the posts' variants carry is one of the client's.
    async fn assets_of(
        &self,
        conn: &mut SqliteConnection,
        org: OrganizationId,
        client: ClientId,
        posts: &[Post],
    ) -> StoreResult<()> {
        let wanted: BTreeSet<Uuid> =
            posts.iter().flat_map(|p| &p.variants).flat_map(|v| &v.media).map(|m| m.asset_id.as_uuid()).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM assets WHERE organization_id = ");
        qb.push_bind(org.as_uuid()).push(" AND client_id = ").push_bind(client.as_uuid()).push(" AND id IN (");
        let mut list = qb.separated(", ");
        for id in &wanted {
            list.push_bind(*id);
        }
        qb.push(")");
        let found: i64 = qb.build_query_scalar().fetch_one(&mut *conn).await.map_err(self.err())?;
        if usize::try_from(found).ok() != Some(wanted.len()) {
            return Err(StoreError::NotFound("asset"));
        }
        Ok(())
    }

    /// Inserts new posts with their variants and their first revisions, a few hundred rows per statement.
    async fn insert_posts(&self, conn: &mut SqliteConnection, posts: &[Post]) -> StoreResult<()> {
        for chunk in posts.chunks(BATCH) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO posts (id, organization_id, client_id, status, title, base_text, search_key, pillar_id, \
                 sponsored, revision, created_by, updated_by, created_at, updated_at) ",
            );
            qb.push_values(chunk, |mut row, post| {
                row.push_bind(post.id.as_uuid())
                    .push_bind(post.organization_id.as_uuid())
                    .push_bind(post.client_id.as_uuid())
                    .push_bind(post.status.as_str())
                    .push_bind(post.title.as_str())
                    .push_bind(post.base_text.as_str())
                    .push_bind(chorus_store::post_search_key(&post.title, &post.base_text))
                    .push_bind(post.pillar_id.map(|p| p.as_uuid()))
                    .push_bind(post.sponsored)
                    .push_bind(i64::from(post.revision))
                    .push_bind(post.created_by.as_uuid())
                    .push_bind(post.updated_by.as_uuid())
                    .push_bind(post.created_at)
                    .push_bind(post.updated_at);
            });
            qb.build().execute(&mut *conn).await.map_err(self.err())?;
        }
        self.insert_variants(conn, posts).await?;
        self.insert_revisions(conn, posts).await
    }

    /// Writes a saved post's variants. A network the post keeps keeps its variant row, rewritten in place, so
    /// what hangs on it — its publication, its place in the queue — survives an edit; a network dropped goes,
    /// with its publication and its queued publish job. Media are written anew.
    async fn replace_variants(
        &self,
        conn: &mut SqliteConnection,
        post: &Post,
        before: &HashMap<Network, VariantId>,
    ) -> StoreResult<()> {
        let kept: Vec<&Variant> = post.variants.iter().filter(|v| before.get(&v.network) == Some(&v.id)).collect();
        let dropped: Vec<VariantId> =
            before.values().filter(|id| !kept.iter().any(|v| v.id == **id)).copied().collect();
        for id in &dropped {
            sqlx::query("DELETE FROM variants WHERE id = ? AND organization_id = ?")
                .bind(id.as_uuid())
                .bind(post.organization_id.as_uuid())
                .execute(&mut *conn)
                .await
                .map_err(self.err())?;
        }
        let keys: Vec<String> = dropped.iter().map(|id| chorus_store::publish_job_key(*id)).collect();
        self.cancel_jobs_in(conn, &keys).await?;
        sqlx::query("DELETE FROM variant_media WHERE post_id = ? AND organization_id = ?")
            .bind(post.id.as_uuid())
            .bind(post.organization_id.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(self.err())?;
        for (position, v) in post.variants.iter().enumerate() {
            if !kept.iter().any(|k| k.id == v.id) {
                continue;
            }
            let thread = serde_json::to_string(&v.thread).map_err(encoding("thread"))?;
            let options = serde_json::to_string(&v.options).map_err(encoding("variant options"))?;
            sqlx::query(
                "UPDATE variants SET position = ?, text = ?, link = ?, first_comment = ?, thread = ?, options = ? \
                 WHERE id = ? AND organization_id = ?",
            )
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(v.text.as_str())
            .bind(v.link.as_str())
            .bind(v.first_comment.as_str())
            .bind(thread)
            .bind(options)
            .bind(v.id.as_uuid())
            .bind(post.organization_id.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(self.err())?;
        }
        let added = Post {
            variants: post.variants.iter().filter(|v| !kept.iter().any(|k| k.id == v.id)).cloned().collect(),
            ..post.clone()
        };
        self.insert_variant_rows(conn, std::slice::from_ref(&added), &post.variants).await?;
        self.insert_media(conn, std::slice::from_ref(post)).await
    }

    /// Inserts the variants of these posts, each post's in its order, with their media.
    async fn insert_variants(&self, conn: &mut SqliteConnection, posts: &[Post]) -> StoreResult<()> {
        for post in posts {
            self.insert_variant_rows(conn, std::slice::from_ref(post), &post.variants).await?;
        }
        self.insert_media(conn, posts).await
    }

    /// Inserts the variant rows of these posts; a variant's position is its place in `order`.
    async fn insert_variant_rows(
        &self,
        conn: &mut SqliteConnection,
        posts: &[Post],
        order: &[Variant],
    ) -> StoreResult<()> {
        let mut rows = Vec::new();
        for post in posts {
            for v in &post.variants {
                let position = order.iter().position(|o| o.id == v.id).unwrap_or(0);
                let thread = serde_json::to_string(&v.thread).map_err(encoding("thread"))?;
                let options = serde_json::to_string(&v.options).map_err(encoding("variant options"))?;
                rows.push((post, i64::try_from(position).unwrap_or(i64::MAX), v, thread, options));
            }
        }
        for chunk in rows.chunks(BATCH) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO variants (id, post_id, organization_id, network, position, text, link, first_comment, \
                 thread, options) ",
            );
            qb.push_values(chunk, |mut row, (post, position, v, thread, options)| {
                row.push_bind(v.id.as_uuid())
                    .push_bind(post.id.as_uuid())
                    .push_bind(post.organization_id.as_uuid())
                    .push_bind(v.network.as_str())
                    .push_bind(*position)
                    .push_bind(v.text.as_str())
                    .push_bind(v.link.as_str())
                    .push_bind(v.first_comment.as_str())
                    .push_bind(thread.as_str())
                    .push_bind(options.as_str());
            });
            qb.build().execute(&mut *conn).await.map_err(self.err())?;
        }
        Ok(())
    }

    /// Inserts the media of these posts' variants, each variant's in its order.
    async fn insert_media(&self, conn: &mut SqliteConnection, posts: &[Post]) -> StoreResult<()> {
        let mut media = Vec::new();
        for post in posts {
            for v in &post.variants {
                for (position, item) in v.media.iter().enumerate() {
                    media.push((post, v, i64::try_from(position).unwrap_or(i64::MAX), item));
                }
            }
        }
        for chunk in media.chunks(BATCH) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO variant_media (variant_id, post_id, organization_id, position, asset_id, alt_text, crop) ",
            );
            qb.push_values(chunk, |mut row, (post, v, position, item)| {
                row.push_bind(v.id.as_uuid())
                    .push_bind(post.id.as_uuid())
                    .push_bind(post.organization_id.as_uuid())
                    .push_bind(*position)
                    .push_bind(item.asset_id.as_uuid())
                    .push_bind(item.alt_text.as_str())
                    .push_bind(item.crop.map(|c| c.to_string()));
            });
            qb.build().execute(&mut *conn).await.map_err(self.err())?;
        }
        Ok(())
    }

    /// Records each post as its revision, saved by its `updated_by` at its `updated_at`.
    async fn insert_revisions(&self, conn: &mut SqliteConnection, posts: &[Post]) -> StoreResult<()> {
        let snapshots = posts
            .iter()
            .map(|post| serde_json::to_string(post).map(|snapshot| (post, snapshot)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(encoding("post"))?;
        for chunk in snapshots.chunks(BATCH) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO post_revisions (post_id, organization_id, revision, changed_by, changed_at, snapshot) ",
            );
            qb.push_values(chunk, |mut row, (post, snapshot)| {
                row.push_bind(post.id.as_uuid())
                    .push_bind(post.organization_id.as_uuid())
                    .push_bind(i64::from(post.revision))
                    .push_bind(post.updated_by.as_uuid())
                    .push_bind(post.updated_at)
                    .push_bind(snapshot.as_str());
            });
            qb.build().execute(&mut *conn).await.map_err(self.err())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chorus_domain::{
        BrandNotes, ClientName, Email, NewClient, OfficeHours, OrganizationName, PersonName, Role, TimeZone,
        VariantDraft, VariantOptions,
    };
    use chorus_store::{ClientStore, NewPerson, OrganizationStore};

    use super::*;

    #[test]
    fn search_keys_are_lower_case_and_keep_title_and_text_apart() {
        assert_eq!(chorus_store::post_search_key("CAFÉ Launch", "Ünïcödé"), "café launch\u{1f}ünïcödé");
    }

    #[tokio::test]
    async fn values_chorus_would_never_write_are_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("chorus.db")).await.unwrap();
        store.migrate().await.unwrap();
        let owner = NewPerson {
            email: Email::parse("owner@example.com").unwrap(),
            name: PersonName::parse("Owner").unwrap(),
            role: Role::Owner,
            client_access: ClientAccess::All,
            password_hash: None,
        };
        let (org, owner) = store.create_organization(&OrganizationName::parse("Acme").unwrap(), owner).await.unwrap();
        let new = NewClient {
            name: ClientName::parse("Client").unwrap(),
            time_zone: TimeZone::UTC,
            office_hours: OfficeHours::default(),
            brand_notes: BrandNotes::default(),
        };
        let client = store.create_client(org.id, new, None).await.unwrap().id;
        let draft = PostDraft {
            status: PostStatus::Draft,
            title: "T".into(),
            base_text: "B".into(),
            pillar_id: None,
            sponsored: false,
            variants: vec![VariantDraft {
                network: Network::X,
                text: "x".into(),
                link: String::new(),
                first_comment: String::new(),
                thread: vec![],
                media: vec![],
                options: VariantOptions::default(),
            }],
        };
        let post = store.create_post(org.id, client, &draft, owner.id).await.unwrap();

        for (sql, read_revisions) in [
            ("UPDATE variants SET network = 'myspace' WHERE post_id = ?", false),
            ("UPDATE variants SET network = 'x', thread = '{}' WHERE post_id = ?", false),
            ("UPDATE variants SET thread = '[]', options = '[1]' WHERE post_id = ?", false),
            (
                "UPDATE variants SET options = '{}' WHERE post_id = ?; \
                 UPDATE post_revisions SET snapshot = json_set(snapshot, '$.revision', 7) WHERE post_id = ?",
                true,
            ),
            ("UPDATE post_revisions SET snapshot = '{}' WHERE post_id = ?", true),
        ] {
            for statement in sql.split("; ") {
                sqlx::query(statement.trim()).bind(post.id.as_uuid()).execute(&store.pool).await.unwrap();
            }
            let result = if read_revisions {
                store.post_revisions(org.id, post.id).await.map(|_| ())
            } else {
                store.post(org.id, post.id).await.map(|_| ())
            };
            assert!(matches!(result, Err(StoreError::Corrupt(_))), "after {sql}: {result:?}");
        }
        // Reads that do not touch the broken row still work.
        assert_eq!(store.post(org.id, post.id).await.unwrap().variants[0].options, VariantOptions::default());
    }
}
