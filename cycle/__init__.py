"""The monthly cycle that runs itself (``outcomes cycle run``, from cron): checks each data
source's vintage against its declared publication lag, reminds leads before the review,
alerts them when something turns, and delivers the signed-off snapshot. Everything it
notices or sends is recorded in the store under a unique key, so running it again the same
day does nothing new. It sits above ``reports`` (it exports snapshots) and below ``cli``."""
