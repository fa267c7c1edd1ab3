//! Posts: one idea for a client, its variants per network, and every saved state of it.
//!
//! A post and its variants are written together in one transaction. The client and pillar a post refers to are
//! read `FOR KEY SHARE`, so they cannot be deleted before the transaction ends; an update reads the post
//! `FOR UPDATE`, so two saves of one post run one after the other and the second sees the first's revision.

use std::collections::HashMap;

use async_trait::async_trait;
use chorus_domain::{
    Aspect, AssetId, ClientAccess, ClientId, Cursor, Network, OrganizationId, Page, PageRequest, PersonId, PillarId,
    Post, PostDraft, PostId, PostRevision, PostStatus, Variant, VariantId, VariantMedia,
};
use chorus_store::{AssetUse, PostQuery, PostStore, StoreError, StoreResult};
use sqlx::postgres::PgConnection;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::error::db_error;
use crate::rows::{self, POST_COLUMNS, REVISION_COLUMNS, VARIANT_COLUMNS, client_uuids};
use crate::{PgStore, now};

/// A `LIKE` pattern matching `search` anywhere, with the wildcards a person might type taken literally.
fn contains_pattern(search: &str) -> String {
    let mut pattern = String::with_capacity(search.len() + 2);
    pattern.push('%');
    for c in search.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn encoding(what: &'static str) -> impl Fn(serde_json::Error) -> StoreError {
    move |e| StoreError::Other(format!("cannot encode {what}: {e}"))
}

/// A revision or position as the `integer` columns hold it.
fn int(value: impl TryInto<i32>) -> StoreResult<i32> {
    value.try_into().map_err(|_| StoreError::Other("a number is too large to store".to_string()))
}

/// Rows per multi-row `INSERT`: at most 14 parameters a row, well under PostgreSQL's 65,535 per statement.
const BATCH: usize = 500;

#[async_trait]
impl PostStore for PgStore {
    async fn create_post(
        &self,
        org: OrganizationId,
        client: ClientId,
        draft: &PostDraft,
        by: PersonId,
    ) -> StoreResult<Post> {
        let post = draft.new_post(org, client, by, now());
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        client_in(&mut tx, org, client).await?;
        pillar_of(&mut tx, org, client, post.pillar_id).await?;
        assets_of(&mut tx, org, client, std::slice::from_ref(&post)).await?;
        insert_posts(&mut tx, std::slice::from_ref(&post)).await?;
        tx.commit().await.map_err(db_error)?;
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
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        client_in(&mut tx, org, client).await?;
        let mut pillars: Vec<PillarId> = posts.iter().filter_map(|p| p.pillar_id).collect();
        pillars.sort_by_key(|p| p.as_uuid());
        pillars.dedup();
        for pillar in pillars {
            pillar_of(&mut tx, org, client, Some(pillar)).await?;
        }
        assets_of(&mut tx, org, client, &posts).await?;
        insert_posts(&mut tx, &posts).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(posts.iter().map(|p| p.id).collect())
    }

    async fn post(&self, org: OrganizationId, id: PostId) -> StoreResult<Post> {
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        fetch_post(&mut conn, org, id, false).await
    }

    async fn list_posts(&self, org: OrganizationId, query: &PostQuery, page: &PageRequest) -> StoreResult<Page<Post>> {
        if matches!(&query.access, ClientAccess::Only(ids) if ids.is_empty()) {
            return Ok(Page { items: Vec::new(), next_cursor: None });
        }
        let mut sql =
            QueryBuilder::<Postgres>::new(format!("SELECT {POST_COLUMNS} FROM posts WHERE organization_id = "));
        sql.push_bind(org.as_uuid());
        if let ClientAccess::Only(ids) = &query.access {
            sql.push(" AND client_id = ANY(");
            sql.push_bind(client_uuids(ids));
            sql.push(")");
        }
        if let Some(client) = query.client {
            sql.push(" AND client_id = ");
            sql.push_bind(client.as_uuid());
        }
        if let Some(status) = query.status {
            sql.push(" AND status = ");
            sql.push_bind(status.as_str());
        }
        if let Some(search) = query.search.as_deref().filter(|s| !s.is_empty()) {
            sql.push(" AND search_key LIKE ");
            sql.push_bind(contains_pattern(search));
            sql.push(" ESCAPE '\\'");
        }
        // Newest first: ids are UUIDv7, which compare in time order.
        if let Some(after) = &page.after {
            sql.push(" AND id < ");
            sql.push_bind(after.id);
        }
        sql.push(" ORDER BY id DESC LIMIT ");
        sql.push_bind(i64::from(page.limit) + 1);
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        let rows = sql.build().fetch_all(&mut *conn).await.map_err(db_error)?;
        let ids = rows.iter().map(|row| rows::get::<Uuid>(row, "id")).collect::<StoreResult<Vec<_>>>()?;
        let mut variants = fetch_variants(&mut conn, org, &ids).await?;
        let posts = rows
            .iter()
            .zip(&ids)
            .map(|(row, id)| rows::post(row, variants.remove(id).unwrap_or_default()))
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
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        // Locked until the end of the transaction: a concurrent save waits here and then reads this one's revision.
        let current = fetch_post(&mut tx, org, id, true).await?;
        if expected_revision.is_some_and(|expected| expected != current.revision) {
            return Err(StoreError::revision_taken(current.revision));
        }
        pillar_of(&mut tx, org, current.client_id, draft.pillar_id).await?;
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
        assets_of(&mut tx, org, post.client_id, std::slice::from_ref(&post)).await?;
        sqlx::query(
            "UPDATE posts SET status = $3, title = $4, base_text = $5, search_key = $6, pillar_id = $7, \
             sponsored = $8, revision = $9, updated_by = $10, updated_at = $11 \
             WHERE organization_id = $1 AND id = $2",
        )
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .bind(post.status.as_str())
        .bind(post.title.as_str())
        .bind(post.base_text.as_str())
        .bind(chorus_store::post_search_key(&post.title, &post.base_text))
        .bind(post.pillar_id.map(|p| p.as_uuid()))
        .bind(post.sponsored)
        .bind(int(post.revision)?)
        .bind(by.as_uuid())
        .bind(post.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let dropped = replace_variants(&mut tx, &post, &keep).await?;
        let keys: Vec<String> = dropped.iter().map(|id| chorus_store::publish_job_key(*id)).collect();
        self.cancel_jobs_in(&mut tx, &keys).await?;
        insert_revisions(&mut tx, std::slice::from_ref(&post)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(post)
    }

    async fn delete_post(&self, org: OrganizationId, id: PostId) -> StoreResult<()> {
        // Variants and revisions go with it (ON DELETE CASCADE).
        let deleted = sqlx::query("DELETE FROM posts WHERE organization_id = $1 AND id = $2")
            .bind(org.as_uuid())
            .bind(id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
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
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let original = fetch_post(&mut tx, org, id, false).await?;
        // The client and pillar stay until the copy is written (a pillar deleted meanwhile fails the copy).
        client_in(&mut tx, org, original.client_id).await?;
        pillar_of(&mut tx, org, original.client_id, original.pillar_id).await?;
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
        insert_posts(&mut tx, std::slice::from_ref(&post)).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(post)
    }

    async fn post_revisions(&self, org: OrganizationId, id: PostId) -> StoreResult<Vec<PostRevision>> {
        let rows = sqlx::query(&format!(
            "SELECT {REVISION_COLUMNS} FROM post_revisions WHERE organization_id = $1 AND post_id = $2 \
             ORDER BY revision DESC"
        ))
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        // Every post has at least its first revision.
        if rows.is_empty() {
            return Err(StoreError::NotFound("post"));
        }
        rows.iter().map(rows::revision).collect()
    }

    async fn posts_using_asset(&self, org: OrganizationId, asset: AssetId) -> StoreResult<Vec<AssetUse>> {
        let rows: Vec<(Uuid, String, String, String)> = sqlx::query_as(
            "SELECT p.id, p.title, p.status, v.network FROM variant_media m \
             JOIN variants v ON v.id = m.variant_id JOIN posts p ON p.id = m.post_id \
             WHERE m.organization_id = $1 AND m.asset_id = $2 \
             GROUP BY p.id, p.title, p.status, v.network, v.position ORDER BY p.id DESC, v.position",
        )
        .bind(org.as_uuid())
        .bind(asset.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        let mut uses: Vec<AssetUse> = Vec::new();
        for (post, title, status, network) in rows {
            let network: Network = network.parse().map_err(|e| StoreError::Corrupt(format!("post {post}: {e}")))?;
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

/// Fails with a conflict on `asset` when posts carry any of these files, naming how many and which: a file a post
/// will publish must not vanish from under it. Locks nothing: the foreign key stops a post saved meanwhile.
pub(crate) async fn refuse_assets_in_use(
    conn: &mut PgConnection,
    org: OrganizationId,
    assets: &[AssetId],
) -> StoreResult<()> {
    if assets.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = assets.iter().map(|a| a.as_uuid()).collect();
    let titles: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT p.title FROM variant_media m JOIN posts p ON p.id = m.post_id \
         WHERE m.organization_id = $1 AND m.asset_id = ANY($2) ORDER BY p.title",
    )
    .bind(org.as_uuid())
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?;
    if titles.is_empty() { Ok(()) } else { Err(StoreError::assets_in_use(&titles)) }
}

/// Fails with `NotFound("asset")` unless every asset the posts' variants carry is one of the client's; keeps them
/// until the transaction ends.
async fn assets_of(conn: &mut PgConnection, org: OrganizationId, client: ClientId, posts: &[Post]) -> StoreResult<()> {
    let mut wanted: Vec<Uuid> =
        posts.iter().flat_map(|p| &p.variants).flat_map(|v| &v.media).map(|m| m.asset_id.as_uuid()).collect();
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(());
    }
    let found: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM assets WHERE organization_id = $1 AND client_id = $2 AND id = ANY($3) FOR KEY SHARE",
    )
    .bind(org.as_uuid())
    .bind(client.as_uuid())
    .bind(&wanted)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?;
    if found.len() != wanted.len() {
        return Err(StoreError::NotFound("asset"));
    }
    Ok(())
}

/// Fails with `NotFound("client")` unless the client exists in the organization; keeps it until the transaction
/// ends.
async fn client_in(conn: &mut PgConnection, org: OrganizationId, client: ClientId) -> StoreResult<()> {
    let found: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM clients WHERE organization_id = $1 AND id = $2 FOR KEY SHARE")
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_error)?;
    found.map(|_| ()).ok_or(StoreError::NotFound("client"))
}

/// Fails with `NotFound("pillar")` unless `pillar` (when given) is one of the client's; keeps it until the
/// transaction ends.
async fn pillar_of(
    conn: &mut PgConnection,
    org: OrganizationId,
    client: ClientId,
    pillar: Option<PillarId>,
) -> StoreResult<()> {
    let Some(pillar) = pillar else { return Ok(()) };
    let found: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM pillars WHERE organization_id = $1 AND client_id = $2 AND id = $3 FOR KEY SHARE",
    )
    .bind(org.as_uuid())
    .bind(client.as_uuid())
    .bind(pillar.as_uuid())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)?;
    found.map(|_| ()).ok_or(StoreError::NotFound("pillar"))
}

/// The post with its variants; `for_update` locks its row until the transaction ends.
async fn fetch_post(conn: &mut PgConnection, org: OrganizationId, id: PostId, for_update: bool) -> StoreResult<Post> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row = sqlx::query(&format!("SELECT {POST_COLUMNS} FROM posts WHERE organization_id = $1 AND id = $2{lock}"))
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error)?
        .ok_or(StoreError::NotFound("post"))?;
    let mut variants = fetch_variants(conn, org, &[id.as_uuid()]).await?;
    rows::post(&row, variants.remove(&id.as_uuid()).unwrap_or_default())
}

/// The variants of these posts, by post, each post's in order.
async fn fetch_variants(
    conn: &mut PgConnection,
    org: OrganizationId,
    posts: &[Uuid],
) -> StoreResult<HashMap<Uuid, Vec<Variant>>> {
    let mut by_post: HashMap<Uuid, Vec<Variant>> = HashMap::new();
    if posts.is_empty() {
        return Ok(by_post);
    }
    let rows = sqlx::query(&format!(
        "SELECT {VARIANT_COLUMNS} FROM variants WHERE organization_id = $1 AND post_id = ANY($2) \
         ORDER BY post_id, position"
    ))
    .bind(org.as_uuid())
    .bind(posts)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?;
    let mut media = fetch_media(conn, org, posts).await?;
    for row in &rows {
        let (post, mut variant) = rows::variant(row)?;
        variant.media = media.remove(&variant.id.as_uuid()).unwrap_or_default();
        by_post.entry(post).or_default().push(variant);
    }
    Ok(by_post)
}

/// The media of these posts' variants, by variant, each variant's in order.
async fn fetch_media(
    conn: &mut PgConnection,
    org: OrganizationId,
    posts: &[Uuid],
) -> StoreResult<HashMap<Uuid, Vec<VariantMedia>>> {
    let rows: Vec<(Uuid, Uuid, String, Option<String>)> = sqlx::query_as(
        "SELECT variant_id, asset_id, alt_text, crop FROM variant_media WHERE organization_id = $1 AND post_id = ANY($2) \
         ORDER BY variant_id, position",
    )
    .bind(org.as_uuid())
    .bind(posts)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?;
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

/// Inserts new posts with their variants and their first revisions, a few hundred rows per statement.
async fn insert_posts(conn: &mut PgConnection, posts: &[Post]) -> StoreResult<()> {
    let revisions = posts.iter().map(|post| int(post.revision)).collect::<StoreResult<Vec<_>>>()?;
    let rows: Vec<(&Post, i32)> = posts.iter().zip(revisions).collect();
    for chunk in rows.chunks(BATCH) {
        let mut sql = QueryBuilder::<Postgres>::new(
            "INSERT INTO posts (id, organization_id, client_id, status, title, base_text, search_key, pillar_id, \
             sponsored, revision, created_by, updated_by, created_at, updated_at) ",
        );
        sql.push_values(chunk, |mut row, (post, revision)| {
            row.push_bind(post.id.as_uuid())
                .push_bind(post.organization_id.as_uuid())
                .push_bind(post.client_id.as_uuid())
                .push_bind(post.status.as_str())
                .push_bind(post.title.as_str())
                .push_bind(post.base_text.as_str())
                .push_bind(chorus_store::post_search_key(&post.title, &post.base_text))
                .push_bind(post.pillar_id.map(|p| p.as_uuid()))
                .push_bind(post.sponsored)
                .push_bind(*revision)
                .push_bind(post.created_by.as_uuid())
                .push_bind(post.updated_by.as_uuid())
                .push_bind(post.created_at)
                .push_bind(post.updated_at);
        });
        sql.build().execute(&mut *conn).await.map_err(db_error)?;
    }
    insert_variants(conn, posts).await?;
    insert_revisions(conn, posts).await
}

/// Writes a saved post's variants. A network the post keeps keeps its variant row, rewritten in place, so what
/// hangs on it — its publication, its place in the queue — survives an edit; a network dropped goes, with its
/// publication. Media are written anew. Gives the variants dropped, whose queued publish jobs the caller cancels.
async fn replace_variants(
    conn: &mut PgConnection,
    post: &Post,
    before: &HashMap<Network, VariantId>,
) -> StoreResult<Vec<VariantId>> {
    let kept: Vec<VariantId> =
        post.variants.iter().filter(|v| before.get(&v.network) == Some(&v.id)).map(|v| v.id).collect();
    let dropped: Vec<VariantId> = before.values().filter(|id| !kept.contains(id)).copied().collect();
    let dropped_ids: Vec<Uuid> = dropped.iter().map(|id| id.as_uuid()).collect();
    sqlx::query("DELETE FROM variants WHERE organization_id = $1 AND id = ANY($2)")
        .bind(post.organization_id.as_uuid())
        .bind(&dropped_ids)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    sqlx::query("DELETE FROM variant_media WHERE organization_id = $1 AND post_id = $2")
        .bind(post.organization_id.as_uuid())
        .bind(post.id.as_uuid())
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    for (position, v) in post.variants.iter().enumerate() {
        if !kept.contains(&v.id) {
            continue;
        }
        let thread = serde_json::to_value(&v.thread).map_err(encoding("thread"))?;
        let options = serde_json::to_value(&v.options).map_err(encoding("variant options"))?;
        sqlx::query(
            "UPDATE variants SET position = $3, text = $4, link = $5, first_comment = $6, thread = $7, options = $8 \
             WHERE organization_id = $1 AND id = $2",
        )
        .bind(post.organization_id.as_uuid())
        .bind(v.id.as_uuid())
        .bind(int(position)?)
        .bind(v.text.as_str())
        .bind(v.link.as_str())
        .bind(v.first_comment.as_str())
        .bind(thread)
        .bind(options)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    }
    let added =
        Post { variants: post.variants.iter().filter(|v| !kept.contains(&v.id)).cloned().collect(), ..post.clone() };
    insert_variant_rows(conn, std::slice::from_ref(&added), &post.variants).await?;
    insert_media(conn, std::slice::from_ref(post)).await?;
    Ok(dropped)
}

/// Inserts the variants of these posts, each post's in its order, with their media.
async fn insert_variants(conn: &mut PgConnection, posts: &[Post]) -> StoreResult<()> {
    for post in posts {
        insert_variant_rows(conn, std::slice::from_ref(post), &post.variants).await?;
    }
    insert_media(conn, posts).await
}

/// Inserts the variant rows of these posts; a variant's position is its place in `order`.
async fn insert_variant_rows(conn: &mut PgConnection, posts: &[Post], order: &[Variant]) -> StoreResult<()> {
    let mut rows = Vec::new();
    for post in posts {
        for v in &post.variants {
            let position = order.iter().position(|o| o.id == v.id).unwrap_or(0);
            let thread = serde_json::to_value(&v.thread).map_err(encoding("thread"))?;
            let options = serde_json::to_value(&v.options).map_err(encoding("variant options"))?;
            rows.push((post, int(position)?, v, thread, options));
        }
    }
    for chunk in rows.chunks(BATCH) {
        let mut sql = QueryBuilder::<Postgres>::new(
            "INSERT INTO variants (id, post_id, organization_id, network, position, text, link, first_comment, \
             thread, options) ",
        );
        sql.push_values(chunk, |mut row, (post, position, v, thread, options)| {
            row.push_bind(v.id.as_uuid())
                .push_bind(post.id.as_uuid())
                .push_bind(post.organization_id.as_uuid())
                .push_bind(v.network.as_str())
                .push_bind(*position)
                .push_bind(v.text.as_str())
                .push_bind(v.link.as_str())
                .push_bind(v.first_comment.as_str())
                .push_bind(thread.clone())
                .push_bind(options.clone());
        });
        sql.build().execute(&mut *conn).await.map_err(db_error)?;
    }
    Ok(())
}

/// Inserts the media of these posts' variants, each variant's in its order.
async fn insert_media(conn: &mut PgConnection, posts: &[Post]) -> StoreResult<()> {
    let mut media = Vec::new();
    for post in posts {
        for v in &post.variants {
            for (position, item) in v.media.iter().enumerate() {
                media.push((post, v, int(position)?, item));
            }
        }
    }
    for chunk in media.chunks(BATCH) {
        let mut sql = QueryBuilder::<Postgres>::new(
            "INSERT INTO variant_media (variant_id, post_id, organization_id, position, asset_id, alt_text, crop) ",
        );
        sql.push_values(chunk, |mut row, (post, v, position, item)| {
            row.push_bind(v.id.as_uuid())
                .push_bind(post.id.as_uuid())
                .push_bind(post.organization_id.as_uuid())
                .push_bind(*position)
                .push_bind(item.asset_id.as_uuid())
                .push_bind(item.alt_text.as_str())
                .push_bind(item.crop.map(|c| c.to_string()));
        });
        sql.build().execute(&mut *conn).await.map_err(db_error)?;
    }
    Ok(())
}

/// Records each post as its revision, saved by its `updated_by` at its `updated_at`.
async fn insert_revisions(conn: &mut PgConnection, posts: &[Post]) -> StoreResult<()> {
    let mut rows = Vec::with_capacity(posts.len());
    for post in posts {
        rows.push((post, int(post.revision)?, serde_json::to_value(post).map_err(encoding("post"))?));
    }
    for chunk in rows.chunks(BATCH) {
        let mut sql = QueryBuilder::<Postgres>::new(
            "INSERT INTO post_revisions (post_id, organization_id, revision, changed_by, changed_at, snapshot) ",
        );
        sql.push_values(chunk, |mut row, (post, revision, snapshot)| {
            row.push_bind(post.id.as_uuid())
                .push_bind(post.organization_id.as_uuid())
                .push_bind(*revision)
                .push_bind(post.updated_by.as_uuid())
                .push_bind(post.updated_at)
                .push_bind(snapshot.clone());
        });
        sql.build().execute(&mut *conn).await.map_err(db_error)?;
    }
    Ok(())
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
    fn search_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("100%_\\"), "%100\\%\\_\\\\%");
        assert_eq!(chorus_store::post_search_key("CAFÉ Launch", "Ünïcödé"), "café launch\u{1f}ünïcödé");
    }

    #[tokio::test]
    async fn values_chorus_would_never_write_are_corrupt() {
        let store = PgStore::connect(&chorus_testkit::postgres::fresh_database().await).await.unwrap();
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
            ("UPDATE variants SET network = 'myspace' WHERE post_id = $1", false),
            ("UPDATE variants SET network = 'x', thread = '{}' WHERE post_id = $1", false),
            ("UPDATE variants SET thread = '[]', options = '[1]' WHERE post_id = $1", false),
            (
                "UPDATE variants SET options = '{}' WHERE post_id = $1; \
                 ALTER TABLE posts DROP CONSTRAINT posts_status_check; \
                 UPDATE posts SET status = 'published' WHERE id = $1",
                false,
            ),
            (
                "UPDATE posts SET status = 'draft' WHERE id = $1; \
                 UPDATE post_revisions SET snapshot = jsonb_set(snapshot, '{revision}', '7') WHERE post_id = $1",
                true,
            ),
            ("UPDATE post_revisions SET snapshot = '{}' WHERE post_id = $1", true),
        ] {
            for statement in sql.split("; ") {
                let query = sqlx::query(statement.trim());
                let query = if statement.contains("$1") { query.bind(post.id.as_uuid()) } else { query };
                query.execute(&store.pool).await.unwrap();
            }
            let result = if read_revisions {
                store.post_revisions(org.id, post.id).await.map(|_| ())
            } else {
                store.post(org.id, post.id).await.map(|_| ())
            };
            assert!(matches!(result, Err(StoreError::Corrupt(_))), "after {sql}: {result:?}");
        }
        assert_eq!(store.post(org.id, post.id).await.unwrap().variants[0].options, VariantOptions::default());
    }
}
