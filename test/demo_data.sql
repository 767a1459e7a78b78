-- demo_data.sql: a small synthetic shop for `make demo`, in plain SQL.
--
-- 2,000 users, 500 products in 10 categories, ~50k click/cart/buy events.
-- Two kinds of structure are planted so that there is something to learn:
--   * popularity: categories differ in traffic, and within a category a
--     product's share falls off like 1/rank (Zipf), so a few products get
--     most of the events;
--   * taste: every user prefers one or two categories and ~80% of their
--     visits land there.
-- A recommender that only knows popularity gets the first; the embeddings
-- should get both.  Everything is drawn from random() after setseed(), and
-- every volatile draw reads its input in a fixed order, so the data are the
-- same on every run.  Included by demo.sql (\ir), which sets psql options.

SELECT setseed(0.42) \gset

-- Categories with their product nouns and each noun's typical price.
-- Nouns are category-specific, so adjective + noun names never collide
-- across categories.
CREATE TABLE categories (
    no     int PRIMARY KEY,
    name   text NOT NULL,
    nouns  text[] NOT NULL,
    prices numeric[] NOT NULL
);
INSERT INTO categories VALUES
 (1,  'Running',      '{Running Shoe,Trail Sock,Running Jacket,Sports Watch,Water Bottle,Headband,Running Tights,Hydration Vest}',
                      '{110,15,90,220,20,12,55,70}'),
 (2,  'Kitchen',      '{Chef Knife,Frying Pan,Cutting Board,Coffee Grinder,Stock Pot,Spice Rack,Mixing Bowl,Tea Kettle}',
                      '{60,45,25,80,50,30,20,35}'),
 (3,  'Books',        '{Cookbook,Mystery Novel,Travel Guide,Poetry Collection,Biography,Sci-Fi Novel,History Book,Graphic Novel}',
                      '{28,14,22,16,24,13,30,20}'),
 (4,  'Garden',       '{Garden Hose,Pruning Shears,Plant Pot,Seed Kit,Watering Can,Garden Gloves,Bird Feeder,Compost Bin}',
                      '{35,25,12,10,18,14,30,70}'),
 (5,  'Electronics',  '{Wireless Earbuds,Phone Charger,Bluetooth Speaker,USB Cable,Power Bank,Smart Plug,Webcam,Keyboard}',
                      '{90,20,60,9,35,18,55,70}'),
 (6,  'Toys',         '{Building Blocks,Jigsaw Puzzle,Board Game,Plush Bear,Toy Car,Kite,Art Set,Yo-Yo}',
                      '{40,18,35,20,15,25,22,6}'),
 (7,  'Beauty',       '{Face Cream,Lip Balm,Shampoo,Perfume,Hair Brush,Nail Polish,Body Lotion,Face Mask}',
                      '{32,6,10,75,15,9,14,12}'),
 (8,  'Camping',      '{Tent,Sleeping Bag,Camp Stove,Headlamp,Backpack,Camping Chair,Cooler,Hammock}',
                      '{250,120,70,30,110,45,80,40}'),
 (9,  'Home Office',  '{Desk Lamp,Office Chair,Notebook,Monitor Stand,Desk Organizer,Fountain Pen,Whiteboard,Mouse Pad}',
                      '{40,280,8,45,22,60,50,12}'),
 (10, 'Pet Supplies', '{Dog Leash,Cat Tree,Pet Bed,Chew Toy,Food Bowl,Litter Box,Pet Brush,Aquarium Filter}',
                      '{20,110,55,9,15,30,13,45}');

-- 50 products per category: 50 of the 20 x 8 adjective/noun pairs, drawn
-- at random; pop_rank is the product's popularity rank inside its category.
-- Ids are a random permutation, so an id says nothing about popularity.
-- cat_no and pop_rank are the generator's own columns; the demo reads only
-- id, name, category and price.
CREATE TABLE products (
    id       int PRIMARY KEY,
    name     text NOT NULL UNIQUE,
    category text NOT NULL,
    price    numeric NOT NULL,
    cat_no   int NOT NULL,
    pop_rank int NOT NULL,
    UNIQUE (cat_no, pop_rank)
);
WITH pairs AS (
    SELECT c.no, c.name AS category, c.prices[n.k] AS base,
           a.adj || ' ' || n.noun AS name
    FROM categories c
    CROSS JOIN unnest(c.nouns) WITH ORDINALITY AS n (noun, k)
    CROSS JOIN unnest('{Bright,Classic,Compact,Deluxe,Eco,Everyday,Golden,Nordic,Pro,Rustic,'
                      'Silver,Sunny,Swift,Urban,Vintage,Wild,Cozy,Bold,Quiet,Lucky}'::text[])
               WITH ORDINALITY AS a (adj, j)
    ORDER BY c.no, n.k, a.j
), drawn AS (
    SELECT *, random() AS r FROM pairs          -- pairs is sorted: fixed draw order
), picked AS (
    SELECT *, row_number() OVER (PARTITION BY no ORDER BY r) AS pop_rank
    FROM drawn
), kept AS (
    SELECT * FROM picked WHERE pop_rank <= 50 ORDER BY no, pop_rank
), priced AS (
    SELECT *, random() AS id_r, random() AS price_r FROM kept
)
INSERT INTO products (id, name, category, price, cat_no, pop_rank)
SELECT row_number() OVER (ORDER BY id_r),
       name, category,
       -- 0.6x to 1.4x the noun's typical price, ending in .99 like shop prices
       greatest(round(base * (0.6 + 0.8 * price_r::numeric)), 2) - 0.01,
       no, pop_rank
FROM priced;

-- Users: one favourite category, and a second one for 60% of them.
-- Favourite categories are skewed (category 1 about 3x category 10), and
-- the number of visits is 4 + an exponential with mean 16: most users are
-- light, a few are heavy.
CREATE TABLE users (
    id       int PRIMARY KEY,
    fav1     int NOT NULL,
    fav2     int,
    n_visits int NOT NULL
);
INSERT INTO users
SELECT id, fav1,
       CASE WHEN r2 < 0.6 THEN (fav1 + floor(r3 * 9)::int) % 10 + 1 END,
       4 + floor(-16 * ln(1 - r4))::int
FROM (SELECT id, 1 + floor(10 * random() ^ 1.5)::int AS fav1,
             random() AS r2, random() AS r3, random() AS r4
      FROM generate_series(1, 2000) AS id) u;

-- Visits: a user looks at one product.  80% of visits go to a favourite
-- category (the second favourite gets 40% of those), the rest anywhere,
-- with the same category skew as the favourites.  Inside the category the
-- product rank is floor(51^U), U uniform: P(rank = r) ~ log(1 + 1/r), a
-- Zipf-like law with a 1/r tail.  A visit is a click, turns into a cart
-- 30% of the time, and a cart into a buy 45% of the time.
CREATE TEMP TABLE visits AS
SELECT v.user_id, v.visit, v.cat_no,
       floor(51 ^ v.r_rank)::int AS pop_rank,
       timestamptz '2024-03-01 00:00+00' + v.r_time * interval '90 days' AS ts,
       v.r_cart < 0.30 AS carted,
       v.r_cart < 0.30 AND v.r_buy < 0.45 AS bought
FROM (SELECT u.id AS user_id, s.visit,
             CASE WHEN random() < 0.8
                  THEN CASE WHEN u.fav2 IS NOT NULL AND random() < 0.4 THEN u.fav2 ELSE u.fav1 END
                  ELSE 1 + floor(10 * random() ^ 1.5)::int
             END AS cat_no,
             random() AS r_rank, random() AS r_time, random() AS r_cart, random() AS r_buy
      FROM (SELECT * FROM users ORDER BY id) u
      CROSS JOIN LATERAL generate_series(1, u.n_visits) AS s (visit)) v;

-- Events: the click, then cart and buy a few minutes later when they happen.
CREATE TABLE events (
    user_id int NOT NULL,
    item_id int NOT NULL REFERENCES products,
    kind    text NOT NULL CHECK (kind IN ('click', 'cart', 'buy')),
    ts      timestamptz NOT NULL
);
INSERT INTO events
SELECT v.user_id, p.id, e.kind, v.ts + e.after
FROM visits v
JOIN products p USING (cat_no, pop_rank)
CROSS JOIN LATERAL (VALUES ('click', interval '0'),
                           ('cart', interval '3 minutes'),
                           ('buy', interval '9 minutes')) AS e (kind, after)
WHERE e.kind = 'click'
   OR (e.kind = 'cart' AND v.carted)
   OR (e.kind = 'buy' AND v.bought)
ORDER BY v.ts;
CREATE INDEX ON events (user_id, item_id);
ANALYZE categories, products, users, events;
