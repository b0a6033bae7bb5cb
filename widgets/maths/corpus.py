"""A small corpus of short movie reviews, written for this project, with sentiment labels.

Short enough to read on screen, long enough that truncation and padding both show at the usual
sequence lengths. Label 1 is positive, 0 negative, as in the IMDB dataset the tutorial cites.
"""

REVIEWS: tuple[tuple[str, int], ...] = (
    ("A warm, funny film with a cast that clearly loved making it.", 1),
    ("The plot made no sense and the ending dragged on forever.", 0),
    ("Beautiful music and a story I will not forget soon.", 1),
    ("Two hours of my life I would like back, please.", 0),
    ("Clever, tense and surprisingly moving in its final act.", 1),
    ("Flat acting, a lazy script and far too many explosions.", 0),
    ("My kids laughed the whole way through, and so did I.", 1),
    ("It looks expensive but it has nothing to say.", 0),
    ("The best thriller of the year: tight, sharp and smart.", 1),
    ("I fell asleep twice and missed nothing important.", 0),
    ("A quiet, honest film about friendship that rings true.", 1),
    ("The jokes fall flat and the characters are cardboard.", 0),
    ("Stunning to look at and a joy to watch again.", 1),
    ("Too long, too loud and strangely boring.", 0),
    ("Great performances lift a simple story into something special.", 1),
    ("Avoid it. The trailer was better than the movie.", 0),
)
